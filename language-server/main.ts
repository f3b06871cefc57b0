/**
 * Entry of dist/languageServer.js: `node dist/languageServer.js --stdio`
 * speaks LSP over stdin/stdout (also --node-ipc / --socket=N, as
 * vscode-languageserver's createConnection reads them from argv).
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

startServer(createConnection(ProposedFeatures.all));
