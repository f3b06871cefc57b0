; init-to-running-cpu — the kernel starts AP 1, gives it a job (five steps,
; 2 ms each), then runs its "bring up every CPU" loop again (think of a
; CPU-hotplug path that does not check whether the CPU is already online).
; The second INIT resets the running AP: whatever it was doing is lost, it
; waits for STARTUP, and the STARTUP that follows runs the trampoline again,
; so the job starts over from step 1.
%include "common.inc"

JOB_STEPS       equ 5

main:
        PRINT `init-to-running-cpu: starting APIC ID 1\n`
        mov edi, TRAMP_BASE
        call copy_trampoline
        mov ebx, 1
        call start_ap
        mov esi, starts
        mov ecx, 100 * 3580
        call wait_nonzero
        test eax, eax
        jz .no_ap
        DELAY_MS 5                      ; AP 1 is in the middle of its job now

        ; The bug: the bring-up loop again, without checking "online".
        call print_lock
        PRINT "init-to-running-cpu: bring-up loop again: INIT to APIC ID 1 (it is at step "
        mov eax, [job_step]
        mov [step_at_init], eax
        call print_dec
        PRINT `/5)\n`
        call print_unlock
        mov ebx, 1
        call start_ap

        mov esi, job_done
        mov ecx, 100 * 3580
        call wait_nonzero
        call print_lock
        PRINT "init-to-running-cpu: APIC ID 1 was started "
        mov eax, [starts]
        call print_dec
        PRINT ` times\n`
        cmp dword [starts], 1
        je .ok
        PRINT "init-to-running-cpu: FAILED: the INIT reset a running CPU; steps 1-"
        mov eax, [step_at_init]
        call print_dec
        PRINT ` of its job were lost and redone\n`
        exit_with 1
.ok:    PRINT `init-to-running-cpu: job done once\n`
        exit_with 0
.no_ap: PRINT `init-to-running-cpu: APIC ID 1 did not start\n`
        exit_with 2

ap_main:                                ; EAX = APIC ID
        lock inc dword [starts]
        mov dword [job_step], 0
        call print_lock
        PRINT "cpu 1: started (start #"
        mov eax, [starts]
        call print_dec
        PRINT `), job begins\n`
        call print_unlock
.step:  DELAY_MS 2
        mov eax, [job_step]
        inc eax
        mov [job_step], eax
        call print_lock
        PRINT "cpu 1: job step "
        call print_dec
        PRINT `/5 done\n`
        call print_unlock
        cmp eax, JOB_STEPS
        jb .step
        mov dword [job_done], 1
.park:  cli
        hlt
        jmp .park

section .data
starts:         dd 0
job_step:       dd 0
job_done:       dd 0
step_at_init:   dd 0

%include "trampoline.inc"
