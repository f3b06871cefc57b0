/**
 * The language server: LSP wiring of the index, the features and the
 * debugger link. Custom protocol (documented in README "Assembly language server"):
 *   notification bringup/debugState  DebugState  (the extension, on every stop/continue)
 *   notification bringup/setTrusted  { trusted }  (workspace trust granted later)
 *   request      bringup/currentLines { uri } → { vcpu, line, exact }[]
 */
import { TextDocumentSyncKind, TextDocuments, type Connection, type Diagnostic, type InitializeParams, type InitializeResult } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { WorkspaceIndex } from './index/workspace-index';
import { uriToPath, normalizeUri } from './index/uris';
import { DebugSession, type DebugState } from './debug/debug-state';
import { currentLines, type CurrentLine } from './debug/current-lines';
import { semanticDiagnostics } from './diagnostics/semantic';
import { runAssembler } from './diagnostics/assembler-run';
import { documentSymbols, workspaceSymbols } from './features/symbols';
import { definition, prepareRename, references, rename } from './features/navigation';
import { hover } from './features/hover';
import { completion } from './features/completion';

export interface ServerOptions {
  /** Workspace trust; assemblers run on save only when true. */
  trusted?: boolean;
}

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const index = new WorkspaceIndex();
  const session = new DebugSession();
  const assemblerDiagnostics = new Map<string, Diagnostic[]>();
  let trusted = false;

  const publish = (uri: string): void => {
    const key = normalizeUri(uri);
    const diagnostics = [...semanticDiagnostics(index, key), ...(assemblerDiagnostics.get(key) ?? [])];
    void connection.sendDiagnostics({ uri, diagnostics });
  };
  const publishOpen = (): void => {
    for (const doc of documents.all()) publish(doc.uri);
  };

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const options = (params.initializationOptions ?? {}) as ServerOptions;
    trusted = options.trusted === true;
    const folders = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri)).filter((p): p is string => p !== undefined);
    if (folders.length === 0 && params.rootUri) {
      const root = uriToPath(params.rootUri);
      if (root !== undefined) folders.push(root);
    }
    index.scanFolders(folders);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        documentSymbolProvider: true,
        workspaceSymbolProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        hoverProvider: true,
        completionProvider: { triggerCharacters: ['%', '.'] },
      },
      serverInfo: { name: 'bringup-asm', version: '0.1.0' },
    };
  });

  documents.onDidChangeContent((e) => {
    index.setDocument(e.document.uri, e.document.getText(), e.document.languageId);
    publishOpen();
  });
  documents.onDidClose((e) => {
    index.closeDocument(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });
  documents.onDidSave(async (e) => {
    if (!trusted) return;
    const file = index.get(e.document.uri);
    if (file === undefined) return;
    const roots = index.rootsOf(file.uri);
    const touched = new Set<string>(index.unitOf(file.uri).map((f) => f.uri));
    for (const u of touched) assemblerDiagnostics.delete(u);
    for (const root of roots) {
      const path = uriToPath(root);
      const rootFile = index.get(root);
      if (path === undefined || rootFile === undefined) continue;
      const result = await runAssembler(path, rootFile.parsed.dialect);
      if (result === undefined) continue;
      for (const [uri, list] of result.diagnostics) {
        const key = normalizeUri(uri);
        touched.add(key);
        assemblerDiagnostics.set(key, [...(assemblerDiagnostics.get(key) ?? []), ...list]);
      }
      if (result.timedOut) connection.console.warn(`${result.tool} on ${path} took more than 5 s and was stopped`);
    }
    for (const u of touched) {
      const open = documents.all().find((d) => normalizeUri(d.uri) === u);
      publish(open?.uri ?? u);
    }
    void connection.sendNotification('bringup/assembled', { uri: e.document.uri });
  });

  connection.onDidChangeWatchedFiles((p) => {
    for (const change of p.changes) index.diskChanged(change.uri);
    publishOpen();
  });
  connection.onDocumentSymbol((p) => documentSymbols(index, p.textDocument.uri));
  connection.onWorkspaceSymbol((p) => workspaceSymbols(index, p.query));
  connection.onDefinition((p) => definition(index, p.textDocument.uri, p.position));
  connection.onReferences((p) => references(index, p.textDocument.uri, p.position, p.context.includeDeclaration));
  connection.onPrepareRename((p) => prepareRename(index, p.textDocument.uri, p.position));
  connection.onRenameRequest((p) => rename(index, p.textDocument.uri, p.position, p.newName));
  connection.onHover((p) => hover(index, session, p.textDocument.uri, p.position));
  connection.onCompletion((p) => completion(index, p.textDocument.uri, p.position));

  connection.onNotification('bringup/debugState', (state: DebugState) => session.update(state));
  connection.onNotification('bringup/setTrusted', (p: { trusted: boolean }) => {
    trusted = p.trusted === true;
  });
  connection.onRequest('bringup/currentLines', (p: { uri: string }): CurrentLine[] => {
    const file = index.get(p.uri);
    return file === undefined ? [] : currentLines(file, session);
  });

  documents.listen(connection);
  connection.listen();
}
