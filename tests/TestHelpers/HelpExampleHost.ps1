<#
    The example host of the help examples: one long-lived `pwsh -NoProfile -NonInteractive -File` per examples file,
    started by HelpExamples.psm1 (Start-HelpExampleHost), which runs each example it is sent in a fresh runspace of its
    own. Why, and what that keeps and what it does not, is in HelpExamples.psm1's header.

    Requests come one JSON line at a time on the named pipe -RequestPipe (not on standard input, which the examples'
    native commands inherit: it is empty, as it was for a pwsh per example): Id, Script (the example's file), Folder
    (its working folder) and Environment (the variables it gets). For each, this host
      - sets the process environment and [Environment]::CurrentDirectory (a runspace has neither of its own);
      - opens a new runspace on this host's own $Host (console formatting, -NonInteractive: a prompt fails at once),
        from the default session state, so the module auto-loads in it as in a user's new session, and nothing of
        PowerShell (variables, functions, $PSDefaultParameterValues, imported modules) is left from an earlier example;
      - runs the file as pwsh -File does (output and errors through Out-Default) and works out its exit code as
        pwsh -File would: `exit N` anywhere gives N, a terminating error 1, the end of the file 0 (the file's last
        line sets $global:HelpExampleReachedTheEnd; without it, the file was left by `exit`, and `exit` set
        $LASTEXITCODE);
      - writes a line ending in "<U+0001>HELPEXAMPLE-END <Id> <exit code>" to standard output after all the example's
        text (standard error is the same pipe: the launcher starts this host with 2>&1);
      - closes the runspace and puts the environment, the current directory and the module's once-per-process
        warning back as they were before the example.
    The host ends when the pipe is closed.
#>
param([Parameter(Mandatory)] [string] $RequestPipe)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
# Read by the runtime at start (see Start-HelpExampleHost); the examples and the processes they start do not get it.
[Environment]::SetEnvironmentVariable('DOTNET_TieredCompilation', $null)

$pipe = [IO.Pipes.NamedPipeClientStream]::new('.', $RequestPipe, [IO.Pipes.PipeDirection]::In)
$pipe.Connect(60000)
$requests = [IO.StreamReader]::new($pipe, [Text.UTF8Encoding]::new($false))
$sessionState = [initialsessionstate]::CreateDefault2()
$startFolder = [Environment]::CurrentDirectory

function Reset-ModuleProcessState {
    # The module's only process-wide state a user would see: its warning that secrets are kept unencrypted, shown once
    # per process. Put back, so each example shows it as it would in a fresh pwsh. (Its other statics are keyed by
    # the state folder, which is the example's own, or are caches with no visible behaviour: see HelpExamples.psm1.)
    $assembly = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'PfaAzureDevOps' } | Select-Object -First 1
    if (-not $assembly) { return }   # no example has loaded the module yet
    $field = $assembly.GetType('PfaAzureDevOps.Internal.PfaCmdlet').GetField('_unprotectedWarningShown', [Reflection.BindingFlags] 'NonPublic, Static')
    if (-not $field) { throw 'HelpExampleHost.ps1: PfaCmdlet._unprotectedWarningShown is gone; update Reset-ModuleProcessState to what now makes the warning once per process.' }
    $field.SetValue($null, 0)
}

function Invoke-Example($Request) {
    $rs = [runspacefactory]::CreateRunspace($Host, $sessionState)
    $rs.ThreadOptions = [Management.Automation.Runspaces.PSThreadOptions]::UseNewThread
    $rs.Open()
    $ps = [powershell]::Create()
    $ps.Runspace = $rs
    try {
        $null = $ps.AddCommand($Request.Script)
        $ps.Commands.Commands[0].MergeMyResults([Management.Automation.Runspaces.PipelineResultTypes]::Error, [Management.Automation.Runspaces.PipelineResultTypes]::Output)
        $null = $ps.AddCommand('Out-Default')
        try {
            $null = $ps.Invoke()
            if ($rs.SessionStateProxy.GetVariable('HelpExampleReachedTheEnd')) { return 0 }
            $code = $rs.SessionStateProxy.GetVariable('LASTEXITCODE')
            return $(if ($null -eq $code) { 0 } else { [int] $code })
        }
        catch {
            # A terminating error: pwsh -File shows it and exits with 1.
            $exception = $_.Exception
            while ($exception -is [Management.Automation.MethodInvocationException] -and $exception.InnerException) { $exception = $exception.InnerException }
            $record = if ($exception -is [Management.Automation.IContainsErrorRecord]) { $exception.ErrorRecord }
            else { [Management.Automation.ErrorRecord]::new($exception, 'HelpExampleHostError', 'NotSpecified', $null) }
            $show = [powershell]::Create()
            $show.Runspace = $rs
            try { $null = $show.AddCommand('Out-Default').Invoke(@($record)) }
            catch { [Console]::Error.WriteLine($exception.ToString()) }
            finally { $show.Dispose() }
            return 1
        }
    }
    finally {
        $ps.Dispose()
        $rs.Dispose()
    }
}

while ($null -ne ($line = $requests.ReadLine())) {
    $request = ConvertFrom-Json -InputObject $line -AsHashtable
    $before = [Environment]::GetEnvironmentVariables()
    $exitCode = 1
    try {
        foreach ($name in $request.Environment.Keys) { [Environment]::SetEnvironmentVariable($name, [string] $request.Environment[$name]) }
        [Environment]::CurrentDirectory = $request.Folder
        $exitCode = Invoke-Example $request
    }
    catch {
        [Console]::Error.WriteLine("The example host could not run the example: $_")
    }
    finally {
        $after = [Environment]::GetEnvironmentVariables()
        foreach ($name in $after.Keys) { if (-not $before.Contains($name)) { [Environment]::SetEnvironmentVariable($name, $null) } }
        foreach ($name in $before.Keys) { if ($after[$name] -cne $before[$name]) { [Environment]::SetEnvironmentVariable($name, $before[$name]) } }
        [Environment]::CurrentDirectory = $startFolder
        Reset-ModuleProcessState
        [Console]::Error.Flush()
        [Console]::Out.Write("`n`u{1}HELPEXAMPLE-END $($request.Id) $exitCode`n")
        [Console]::Out.Flush()
    }
}
