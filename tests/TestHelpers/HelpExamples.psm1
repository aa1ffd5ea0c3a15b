<#
    The runner of the help examples (docs/en-US/*.md: the first powershell block of each '### Example N'), shared by
    tests/Pester/HelpExamples*.Tests.ps1. Every example runs as written, in a PowerShell session of its own, against the
    local Azure DevOps, so an example that breaks fails the build. Pages and examples added later are picked up by
    themselves. tests/Pester/HelpExamples.psd1 says which file runs a page (Files), which state an example starts from
    (Stages, Pages, Examples) and lists, with the reason, the few examples that cannot run here (NotRun); nothing is
    skipped silently.

    Each file runs its own local Azure DevOps and builds only the stages its examples start from, once, by the public
    cmdlets; each example gets a copy of its stage. The local Azure DevOps is shared by the examples of a file, so the
    newest tokens of the connection are carried back into the stages after each example (Azure DevOps rotates the
    refresh token).

    What the runner changes, and only this: the hosted addresses in the text point at the local Azure DevOps
    (git@ssh.dev.azure.com:v3/ becomes its sshd, https://dev.azure.com/ its HTTPS origin, /opt/tools/consent.mjs the
    browser command HelpExamplesBrowser.mjs, which the Connect page gets as $env:BROWSER); the SSH cmdlets get the local host
    key through $PSDefaultParameterValues, and the example host trusts the local Azure DevOps's TLS certificate
    (SSL_CERT_FILE, read once when a process starts; nothing turns certificate checks off); Read-Host answers with $env:PFA_EXAMPLE_ANSWER or a fixed value, and
    Set-Clipboard writes ./clipboard.txt (there is nobody to type and no clipboard). Each example has a HOME, a state
    folder (PFA_AZUREDEVOPS_HOME) and a working folder of its own, and CI=true.

    Where an example runs: in a fresh runspace of the file's example host (HelpExampleHost.ps1), one long-lived
    `pwsh -NoProfile -NonInteractive` per file started with the stages, not in a pwsh of its own. What these files check
    is that each example, as written, works in a PowerShell session on a state of its stage; what only a fresh process
    shows (importing the module in a new pwsh, exit codes of pwsh -File, load isolation) is checked by Package,
    LoadIsolation, Pipeline and others. A pwsh per example cost about 0.5 CPU s to start, import and JIT before the
    example did anything; a runspace costs about 0.05. Back to back, the 61 examples took 62 CPU s in a pwsh each and
    38 in runspaces, and the two files 104 and 85 CPU s; with the host's tiered compilation off, the two files took 58
    against 69 (and 63 against 78 in the other order).
    What a new runspace gives each example, as a new pwsh did:
      - nothing of PowerShell from an earlier example: no variable, function, alias, $PSDefaultParameterValues, location
        or imported module (the module auto-loads in each runspace, and loads its format views in each);
      - the console host of a `pwsh -NonInteractive` whose output is redirected: the same formatting of the output, and a
        prompt fails at once instead of waiting;
      - the exit code pwsh -File gives: `exit N` anywhere gives N, a terminating error 1, the end of the file 0.
    What a runspace cannot keep apart, and how the host deals with it:
      - the process environment and current directory: set for each example and put back whole afterwards, so an
        example's own $env: changes (Register-PfaAzureDevOpsApp/3 sets PFA_AZUREDEVOPS_HOME) do not reach the next;
      - the module's process-wide state: its warning that secrets are not encrypted, once per process, is reset before
        each example; its access token cache and the vault's protection check are keyed by the state folder, which is
        the example's own; the shared HttpClient is only a connection pool; the private AssemblyLoadContext loads once,
        as in any session that imports the module in a second runspace;
      - PowerShell's process-wide state: $PSStyle (each example sets PlainText first), the module analysis cache (in
        memory, as in a user's long session), the console's colours and title (no example changes them); and the
        runtime's: the host runs with tiered compilation off (see Start-HelpExampleHost), which changes only how fast
        the code is compiled;
      - processes an example leaves running are not stopped (nor were they with a pwsh per example); one that keeps the
        host from answering fails the example after Invoke-HelpExample's -TimeoutSeconds, and the host is replaced;
        an example that ends the process ([Environment]::Exit, a crash) gets the host's exit code, and the next a new host;
      - a `return` at the top of an example after a failing native command gives that command's exit code where
        pwsh -File gives 0 (stricter; no example does it).

    Measuring aids: with PFA_HELPEXAMPLES_PROFILE set to a file, each example appends one tab-separated line there: its
    key, wall seconds, CPU seconds of its processes (the host and the processes it waited for, while it ran the
    example), CPU seconds of the runner's own work around it (in the worker); each file one line for its stages: wall
    seconds, CPU seconds of the processes it waited for, CPU seconds in the worker; and one for its example host: wall
    and CPU seconds over its life (its start and its work between examples included). With PFA_HELPEXAMPLES_TEXT set to
    a folder, each example's exit code and text are written there (<Page>-<N>.txt), to compare two runners.
#>
# Not strict: the configuration is hashtables whose keys are optional.

Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')

$script:Repository = [IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../..'))
$script:ConfigPath = Join-Path $script:Repository 'tests/Pester/HelpExamples.psd1'
$script:Run = $null

function Get-HelpExampleConfig {
    <# tests/Pester/HelpExamples.psd1, read. #>
    Import-PowerShellDataFile -LiteralPath $script:ConfigPath
}

function Get-HelpExamplePage {
    <# The help pages (docs/en-US/*.md), by name. #>
    @(Get-ChildItem -LiteralPath (Join-Path $script:Repository 'docs/en-US') -Filter '*.md' | Sort-Object Name)
}

function Get-HelpExampleFile {
    <#
    The test files that may run a page: those whose list in Files names it, or when none does, the file whose list is
    '*' (every page no other file names). One name for a page that is well placed.
    #>
    param([Parameter(Mandatory)] [string] $Page, [hashtable] $Config = (Get-HelpExampleConfig))
    $named = @($Config.Files.Keys | Where-Object { @($Config.Files[$_]) -contains $Page } | Sort-Object)
    if ($named.Count) { return $named }
    @($Config.Files.Keys | Where-Object { @($Config.Files[$_]) -contains '*' } | Sort-Object)
}

function Get-HelpExampleCase {
    <#
    Every example of every page (or, with -TestFile, of the pages that file runs) as hashtables for Pester's -ForEach:
    Key ('Page/N'), Page, Number, Title, Code, NotRun (the reason, or $null), Stage, Setup, Output, Environment, File.
    #>
    param([string] $TestFile)
    $config = Get-HelpExampleConfig
    $cases = [System.Collections.Generic.List[hashtable]]::new()
    foreach ($file in Get-HelpExamplePage) {
        $page = $file.BaseName
        $files = @(Get-HelpExampleFile -Page $page -Config $config)
        if ($TestFile -and $files -notcontains $TestFile) { continue }
        $inExamples = $false; $number = 0; $title = $null; $code = $null; $fence = $false; $taken = $false
        $found = [System.Collections.Generic.List[hashtable]]::new()
        foreach ($line in Get-Content -LiteralPath $file.FullName) {
            if ($line -match '^## ') { $inExamples = $line -match '^## EXAMPLES\s*$'; continue }
            if (-not $inExamples) { continue }
            if ($line -match '^### (Example \d+.*)$') { $number++; $title = $Matches[1]; $taken = $false; continue }
            if (-not $fence -and $line -match '^```powershell\s*$' -and -not $taken) {
                if ($number -eq 0) { $number = 1; $title = 'Example 1' }
                $fence = $true; $code = [System.Collections.Generic.List[string]]::new(); continue
            }
            if ($fence -and $line -match '^```\s*$') {
                $fence = $false; $taken = $true
                $found.Add(@{ Page = $page; Number = $number; Title = $title; Code = ($code -join "`n") })
                continue
            }
            if ($fence) { $code.Add($line) }
        }
        foreach ($case in $found) {
            $key = "$($case.Page)/$($case.Number)"
            $pageConfig = $config.Pages[$page]
            $exampleConfig = $config.Examples[$key]
            $case.Key = $key
            $case.File = $files -join ', '
            $case.NotRun = $config.NotRun[$key]
            $case.Stage = if ($exampleConfig -and $exampleConfig.Stage) { $exampleConfig.Stage }
            elseif ($pageConfig -and $pageConfig.Stage) { $pageConfig.Stage }
            else { $config.DefaultStage }
            $case.Setup = if ($exampleConfig) { $exampleConfig.Setup } else { $null }
            $case.Output = if ($exampleConfig) { $exampleConfig.Output } else { $null }
            $case.Environment = @{}
            foreach ($source in @($pageConfig, $exampleConfig)) {
                if ($source -and $source.Environment) { foreach ($k in $source.Environment.Keys) { $case.Environment[$k] = $source.Environment[$k] } }
            }
            $cases.Add($case)
        }
    }
    $cases.ToArray()
}

function Get-HelpExampleStageName {
    <# The stages Start-HelpExampleStage can build. #>
    'Empty', 'Registered', 'Connected', 'Key', 'KeyAdded', 'SpareKey', 'Cloned'
}

function Copy-Tree([string] $From, [string] $To) {
    # Like cp -a, in this process (a cp per copy cost the runner 15 ms of CPU): keeps the owner-only modes the store
    # checks, the modification times git's index compares, and symbolic links.
    $source = [IO.FileInfo]::new($From)
    if ($source.LinkTarget) { $null = [IO.File]::CreateSymbolicLink($To, $source.LinkTarget); return }
    if (-not [IO.Directory]::Exists($From)) {
        [IO.File]::Copy($From, $To, $true)
        [IO.File]::SetUnixFileMode($To, [IO.File]::GetUnixFileMode($From))
        [IO.File]::SetLastWriteTimeUtc($To, $source.LastWriteTimeUtc)
        return
    }
    $null = [IO.Directory]::CreateDirectory($To)
    foreach ($entry in [IO.Directory]::EnumerateFileSystemEntries($From)) { Copy-Tree $entry (Join-Path $To ([IO.Path]::GetFileName($entry))) }
    [IO.File]::SetUnixFileMode($To, [IO.File]::GetUnixFileMode($From))
    [IO.Directory]::SetLastWriteTimeUtc($To, [IO.Directory]::GetLastWriteTimeUtc($From))
}

function Remove-Tree([string] $Path) {
    # Remove-Item -Recurse through the file system provider cost the runner 30 ms for a stage, more for a clone.
    try { [IO.Directory]::Delete($Path, $true) }
    catch { Remove-Item -LiteralPath $Path -Recurse -Force -ErrorAction Ignore }
}

function New-StageKey([string] $Folder, [string] $Name) {
    # This machine's key in the state PFA_AZUREDEVOPS_HOME points at: an RSA 2048 key from ssh-keygen, imported. Its size
    # is not what any example shows (2048 is the smallest Import-PfaSshKey takes; Update-PfaSshKey/1 rotates it to a
    # 3072-bit key, the smallest the module makes, as it would a 3072-bit one). ssh-keygen took 0.1-0.3 CPU s for it,
    # against 0.25-1.75 for RSA 3072 (random: the prime search), and New-PfaSshKey -Bits 3072 0.7 to 2 in this process.
    $file = Join-Path $Folder $Name
    & ssh-keygen -q -t rsa -b 2048 -N '' -C "$([Environment]::UserName)@$([Environment]::MachineName)" -f $file
    if ($LASTEXITCODE) { throw "ssh-keygen failed ($LASTEXITCODE)." }
    Import-PfaSshKey -Path $file -Force -WarningAction SilentlyContinue -InformationAction SilentlyContinue | Out-Null
    Remove-Item -LiteralPath $file, "$file.pub" -Force
}

function Start-HelpExampleStage {
    <#
    The BeforeAll of a help example file: starts the local Azure DevOps (with its sshd) and builds, by the public
    cmdlets, the stages the given examples start from (Get-HelpExampleStageName; HelpExamples.psd1 says what each
    holds), and no others.
    #>
    param([Parameter(Mandatory)] [AllowEmptyCollection()] [object[]] $Case)
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $cpuBefore = Get-ProcessCpu
    $known = Get-HelpExampleStageName
    foreach ($c in $Case) { if ($known -notcontains $c.Stage) { throw "HelpExamples.psd1: $($c.Key) starts from stage '$($c.Stage)', which is none of $($known -join ', ')." } }
    # Empty .. KeyAdded build on each other in the live state; SpareKey and Cloned branch off KeyAdded and are built
    # only when an example starts from them.
    $chain = @('Empty', 'Registered', 'Connected', 'Key', 'KeyAdded')
    $wanted = @($Case | ForEach-Object Stage | Sort-Object -Unique)
    $deepest = -1
    foreach ($stage in $wanted) { $deepest = [Math]::Max($deepest, $(if ($chain -contains $stage) { [array]::IndexOf($chain, $stage) } else { $chain.Count - 1 })) }
    $build = { param([string] $Stage) if ($chain -contains $Stage) { [array]::IndexOf($chain, $Stage) -le $deepest } else { $wanted -contains $Stage } }

    $session = Enter-TestSession -WithSsh -AllowHttpCallbacks
    $ado = $session.Ado
    $root = Join-Path ([IO.Path]::GetTempPath()) ('pfa-examples-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $run = [pscustomobject]@{
        Ado = $ado; Root = $root; Live = (Join-Path $root 'live'); Saved = [System.Collections.Generic.List[string]]::new()
        SshBase = "ssh://$($ado.SshUser)@127.0.0.1:$($ado.SshPort)/v3/"; ClonedWork = (Join-Path $root 'Cloned-work')
        Consent = (Join-Path $PSScriptRoot 'HelpExamplesBrowser.mjs'); Prelude = $null; Host = $null
    }
    $script:Run = $run
    New-Item -ItemType Directory -Path $root, $run.Live | Out-Null

    # The example host starts now, beside the stage building (it is CPU the examples would spend anyway).
    $run.Host = Start-HelpExampleHost -Root $root -CertificateFile $ado.CertificatePath

    foreach ($org in 'samplecorp', 'contoso', 'fabrikam') { $null = Control POST '/_test/orgs' @{ name = $org } }
    $null = Control POST '/_test/orgs/samplecorp/repos' @{ project = 'Modules'; repo = 'puppet-base' }
    # A project in contoso, for the examples that list contoso's projects through the REST API (an empty repository: no
    # commit to make).
    $null = Control POST '/_test/orgs/contoso/repos' @{ project = 'Web'; repo = 'site'; empty = $true }
    $control = Control POST '/_test/orgs/samplecorp/repos' @{ project = 'Control'; repo = 'control-repo' }
    & git -C $control.path branch production main 2>&1 | Out-Null
    # The instance is on this machine (a loopback callback), so Connect receives the browser's redirect itself and
    # the Connect examples run for real with HelpExamplesBrowser.mjs as $env:BROWSER.
    $listener = [System.Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
    $instance = "http://127.0.0.1:$port"
    $app = Control POST '/_test/apps' @{ name = 'PFA'; callbackUrl = "$instance/oauth2/azureDevOps"; scopes = 'vso.code_write' }

    $env:PFA_AZUREDEVOPS_HOME = $run.Live
    $save = { param([string] $Name) if ($wanted -contains $Name) { Copy-Tree $run.Live (Join-Path $root $Name); $run.Saved.Add($Name) } }
    & $save 'Empty'
    $quiet = @{ WarningAction = 'SilentlyContinue'; InformationAction = 'SilentlyContinue' }
    if (& $build 'Registered') {
        $secret = ConvertTo-SecureString $app.clientSecret -AsPlainText -Force
        foreach ($scope in 'AllUsers', 'CurrentUser') {
            Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl $instance -ClientId $app.id -ClientSecret $secret -AuthorizationServer $ado.HttpUrl `
                -Scope $scope -SecretExpiresOn ([DateTimeOffset]::UtcNow.AddDays(60)) @quiet
        }
        & $save 'Registered'
    }
    if (& $build 'Connected') {
        $env:BROWSER = "node $($run.Consent)"
        try { Connect-PfaAzureDevOps -Organization samplecorp -TimeoutSeconds 120 @quiet | Out-Null }
        finally { Remove-Item Env:BROWSER -ErrorAction Ignore }
        & $save 'Connected'
    }
    if (& $build 'Key') {
        New-StageKey $root 'stage-key'
        & $save 'Key'
    }
    if (& $build 'KeyAdded') {
        Add-AzDevOpsSshKey -InformationAction SilentlyContinue | Out-Null
        & $save 'KeyAdded'
    }
    if (& $build 'SpareKey') {
        # Another key of this machine, not in Azure DevOps: for the examples that remove or replace this machine's key
        # there (the stage key stays in Azure DevOps for the others). Made in a copy of KeyAdded.
        $spare = Join-Path $root 'SpareKey'
        Copy-Tree $run.Live $spare
        $env:PFA_AZUREDEVOPS_HOME = $spare
        try { New-StageKey $root 'spare-key' }
        finally { $env:PFA_AZUREDEVOPS_HOME = $run.Live }
        $run.Saved.Add('SpareKey')
    }
    if (& $build 'Cloned') {
        New-Item -ItemType Directory -Path $run.ClonedWork | Out-Null
        foreach ($repo in 'Modules/puppet-base', 'Control/control-repo') {
            Copy-PfaAzureDevOpsRepository "$($run.SshBase)samplecorp/$repo" (Join-Path $run.ClonedWork ($repo -split '/')[1]) -HostKeyFingerprint $ado.SshHostKeyFingerprint -WarningAction SilentlyContinue | Out-Null
        }
        & $save 'Cloned'
    }

    $run.Prelude = @"
`$ErrorActionPreference = 'Stop'
if (`$PSStyle) { `$PSStyle.OutputRendering = 'PlainText' }
`$PSDefaultParameterValues['*:HostKeyFingerprint'] = '$($ado.SshHostKeyFingerprint)'
function Read-Host { param([Parameter(Position = 0)] [object] `$Prompt, [switch] `$AsSecureString, [switch] `$MaskInput)
    `$answer = if (`$env:PFA_EXAMPLE_ANSWER) { `$env:PFA_EXAMPLE_ANSWER } else { 'example-answer-0123456789abcdef' }
    if (`$AsSecureString) { ConvertTo-SecureString `$answer -AsPlainText -Force } else { `$answer } }
function Set-Clipboard { param([Parameter(ValueFromPipeline, Position = 0)] [object] `$Value) process { Add-Content -Path ./clipboard.txt -Value "`$Value" } }

"@
    if ($env:PFA_HELPEXAMPLES_PROFILE) {
        $end = Get-ProcessCpu
        Add-Content -LiteralPath $env:PFA_HELPEXAMPLES_PROFILE -Value ("(stages {0})`t{1:f2}`t{2:f2}`t{3:f2}" -f ($wanted -join ' '), $watch.Elapsed.TotalSeconds, ($end.Children - $cpuBefore.Children), ($end.Own - $cpuBefore.Own))
    }
}

function Start-HelpExampleHost {
    <#
    Starts the example host (HelpExampleHost.ps1) for the run in -Root: `pwsh -NoProfile -NonInteractive -File`, its
    standard error joined to its standard output (sh's 2>&1, so the text keeps its order), an empty standard input,
    and its requests on a named pipe in -Root. Returns Process, Output (its standard output), Requests (the pipe's
    writer, once the host has connected) and Connecting.
    #>
    param([Parameter(Mandatory)] [string] $Root, [Parameter(Mandatory)] [string] $CertificateFile)
    $pipePath = Join-Path $Root ('requests-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $server = [IO.Pipes.NamedPipeServerStream]::new($pipePath, [IO.Pipes.PipeDirection]::Out, 1)
    $info = [Diagnostics.ProcessStartInfo]::new('/bin/sh')
    foreach ($a in '-c', 'exec "$0" "$@" 2>&1', (Join-Path $PSHOME 'pwsh'), '-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot 'HelpExampleHost.ps1'), '-RequestPipe', $pipePath) {
        $info.ArgumentList.Add($a)
    }
    # The host's own HOME, module analysis cache and state folder are in the run's folder (each example gets its own
    # HOME and state); the analysis cache then lives in the host's memory, as in a user's long session. Telemetry off,
    # as on most build machines (and this machine could not send it).
    $info.Environment['HOME'] = $Root
    $info.Environment['PSModuleAnalysisCachePath'] = Join-Path $Root 'ModuleAnalysisCache'
    $info.Environment['PFA_AZUREDEVOPS_HOME'] = Join-Path $Root 'host-state'
    $info.Environment['POWERSHELL_TELEMETRY_OPTOUT'] = '1'
    # The local Azure DevOps's certificate is the one trusted root (.NET on Linux reads SSL_CERT_FILE once, when the
    # process starts), so the examples that call the REST API at https://dev.azure.com/ (its HTTPS origin here) run as
    # written, certificate checks and all (Invoke-RestMethod -Authentication refuses http://).
    $info.Environment['SSL_CERT_FILE'] = $CertificateFile
    # Tiered compilation off: a long-lived process that runs much varied code a few times each spends less CPU
    # compiling it once, fully, than compiling it quickly and then again, better, in the background (the host took
    # 35.5 CPU s with it and 22.8 without, back to back; reversed, 38.9 and 27.9). It changes only how the runtime
    # compiles, never what the code does. The host removes it from its environment, so the examples' processes start
    # without it (a short-lived pwsh is slightly slower with it: 0.58 against 0.53 CPU s a start).
    $info.Environment['DOTNET_TieredCompilation'] = '0'
    $info.WorkingDirectory = $Root
    $info.UseShellExecute = $false
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.StandardOutputEncoding = [Text.UTF8Encoding]::new($false)
    $connecting = $server.WaitForConnectionAsync()
    $process = [Diagnostics.Process]::Start($info)
    $process.StandardInput.Close()
    [pscustomobject]@{ Process = $process; Output = $process.StandardOutput; Server = $server; Connecting = $connecting; Requests = $null; Next = 0 }
}

function Stop-HelpExampleHost($ExampleHost, [switch] $Kill) {
    # Closing the pipe ends the host's loop; a host that does not end in 10 s, or one that hangs (-Kill), is killed
    # with the processes it started.
    if (-not $ExampleHost) { return }
    try { if ($ExampleHost.Requests) { $ExampleHost.Requests.Dispose() }; $ExampleHost.Server.Dispose() } catch { Write-Verbose "Closing the example host's pipe: $_" }
    if ($Kill -or -not $ExampleHost.Process.WaitForExit(10000)) { $ExampleHost.Process.Kill($true); $null = $ExampleHost.Process.WaitForExit(5000) }
    $ExampleHost.Process.Dispose()
}

function Read-HelpExampleHostRest($ExampleHost) {
    # What a host that ended or hung printed last (at most 2 s of it), for the failure message.
    $rest = [System.Collections.Generic.List[string]]::new()
    $deadline = [DateTime]::UtcNow.AddSeconds(2)
    while ([DateTime]::UtcNow -lt $deadline) {
        $task = $ExampleHost.Output.ReadLineAsync()
        if (-not $task.Wait(500) -or $null -eq $task.Result) { break }
        $rest.Add($task.Result)
    }
    $rest
}

function Invoke-HelpExample {
    <#
    Runs one example (a case of Get-HelpExampleCase) on a copy of its stage, in a fresh runspace of the file's example
    host (see this file's header); returns ExitCode (as pwsh -File would give it), Text (all it printed) and Code (what
    ran). An example that does not finish in -TimeoutSeconds fails, and the host is replaced.
    #>
    param([Parameter(Mandatory)] [hashtable] $Case, [int] $TimeoutSeconds = 300)
    $r = $script:Run
    if (-not $r) { throw 'Start-HelpExampleStage first.' }
    if (-not $r.Saved.Contains($Case.Stage)) { throw "Stage $($Case.Stage) was not built." }
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $cpuBefore = Get-ProcessCpu
    $folder = Join-Path $r.Root ('run-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $work = Join-Path $folder 'work'
    $userHome = Join-Path $folder 'home'
    New-Item -ItemType Directory -Path $folder, $userHome | Out-Null
    Copy-Tree (Join-Path $r.Root $Case.Stage) (Join-Path $folder 'state')
    if ($Case.Stage -eq 'Cloned') { Copy-Tree $r.ClonedWork $work } else { New-Item -ItemType Directory -Path $work | Out-Null }
    $code = $Case.Code.Replace('git@ssh.dev.azure.com:v3/', $r.SshBase).Replace('https://dev.azure.com/', "$($r.Ado.HttpsUrl)/").Replace('/opt/tools/consent.mjs', $r.Consent)
    $script = Join-Path $folder 'example.ps1'
    # The last line tells the host that the file ran to its end (not left by `exit`).
    Set-Content -Path $script -Encoding utf8 -Value ($r.Prelude + $(if ($Case.Setup) { $Case.Setup + "`n" }) + $code + "`n`$global:HelpExampleReachedTheEnd = `$true`n")
    $environment = @{ PFA_AZUREDEVOPS_HOME = (Join-Path $folder 'state'); HOME = $userHome; CI = 'true' }
    foreach ($k in $Case.Environment.Keys) {
        $value = $Case.Environment[$k].Replace('{Consent}', $r.Consent)
        if ($value -eq '{Pat}') { $value = (Control POST '/_test/tokens' @{}).accessToken }   # a personal access token of the user
        $environment[$k] = $value
    }
    $hostCpu = 0.0
    $result = $null
    try {
        if (-not $r.Host -or $r.Host.Process.HasExited) { Stop-HelpExampleHost $r.Host; $r.Host = Start-HelpExampleHost -Root $r.Root -CertificateFile $r.Ado.CertificatePath }
        $h = $r.Host
        if (-not $h.Requests) {
            if (-not $h.Connecting.Wait(60000)) {
                $rest = Read-HelpExampleHostRest $h
                Stop-HelpExampleHost $h; $r.Host = $null
                throw "The example host did not start in 60 s. It printed:`n$($rest -join "`n")"
            }
            $h.Requests = [IO.StreamWriter]::new($h.Server, [Text.UTF8Encoding]::new($false))
            $h.Requests.AutoFlush = $true
        }
        $id = ++$h.Next
        $before = Get-ProcessCpu -Id $h.Process.Id
        $h.Requests.WriteLine((@{ Id = $id; Script = $script; Folder = $work; Environment = $environment } | ConvertTo-Json -Compress))
        $lines = [System.Collections.Generic.List[string]]::new()
        $exitCode = $null
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while ($null -eq $exitCode) {
            $task = $h.Output.ReadLineAsync()
            if (-not $task.Wait([Math]::Max(0, [int]($deadline - [DateTime]::UtcNow).TotalMilliseconds))) {
                $lines.Add("(The example did not finish in $TimeoutSeconds s; its host was stopped.)")
                Stop-HelpExampleHost $h -Kill; $r.Host = $null
                $exitCode = -1
                break
            }
            $line = $task.Result
            if ($null -eq $line) {
                # The host ended within the example ([Environment]::Exit, a crash): its exit code is the example's.
                $null = $h.Process.WaitForExit(10000)
                $exitCode = if ($h.Process.HasExited) { $h.Process.ExitCode } else { -1 }
                $lines.Add("(The example host ended with exit code $exitCode.)")
                Stop-HelpExampleHost $h; $r.Host = $null
                break
            }
            if ($line -match "\u0001HELPEXAMPLE-END (\d+) (-?\d+)$") {
                if ([int]$Matches[1] -eq $id) { $exitCode = [int]$Matches[2] }
                continue
            }
            $lines.Add($line)
        }
        if ($r.Host) { $after = Get-ProcessCpu -Id $h.Process.Id; $hostCpu = ($after.Own + $after.Children) - ($before.Own + $before.Children) }
        # The host ends each example's text with a line break of its own.
        if ($lines.Count -and $lines[$lines.Count - 1] -eq '') { $lines.RemoveAt($lines.Count - 1) }
        $result = [pscustomobject]@{ ExitCode = $exitCode; Text = ($lines -join "`n"); Code = $code }
        $result
    }
    finally {
        Save-NewerConnection (Join-Path $folder 'state')
        Remove-Tree $folder
        if ($env:PFA_HELPEXAMPLES_TEXT -and $result) {
            $null = New-Item -ItemType Directory -Force -Path $env:PFA_HELPEXAMPLES_TEXT
            Set-Content -LiteralPath (Join-Path $env:PFA_HELPEXAMPLES_TEXT ($Case.Key.Replace('/', '-') + '.txt')) -Value "exit code $($result.ExitCode)`n$($result.Text)"
        }
        if ($env:PFA_HELPEXAMPLES_PROFILE) {
            $end = Get-ProcessCpu
            $runner = ($end.Own - $cpuBefore.Own) + ($end.Children - $cpuBefore.Children)
            Add-Content -LiteralPath $env:PFA_HELPEXAMPLES_PROFILE -Value ("{0}`t{1:f2}`t{2:f2}`t{3:f2}" -f $Case.Key, $watch.Elapsed.TotalSeconds, $hostCpu, $runner)
        }
    }
}

function Get-ProcessCpu {
    # CPU seconds of a process (this one, or -Id) (Own) and of the children it waited for (Children), from /proc.
    param([int] $Id)
    $stat = if ($Id) { "/proc/$Id/stat" } else { '/proc/self/stat' }
    if (Test-Path $stat) {
        $fields = ((Get-Content -Raw $stat) -replace '^.*\) ', '') -split ' '
        return [pscustomobject]@{ Own = ([long]$fields[11] + [long]$fields[12]) / 100.0; Children = ([long]$fields[13] + [long]$fields[14]) / 100.0 }
    }
    $process = if ($Id) { [Diagnostics.Process]::GetProcessById($Id) } else { [Diagnostics.Process]::GetCurrentProcess() }
    [pscustomobject]@{ Own = $process.TotalProcessorTime.TotalSeconds; Children = 0.0 }
}

function Save-NewerConnection([string] $State) {
    # After an example refreshed the samplecorp connection, every stage (and the live state) takes its tokens: the
    # refresh token they held is spent.
    $r = $script:Run
    $file = Join-Path $State 'CurrentUser/connection.json'
    if (-not (Test-Path -LiteralPath $file)) { return }
    $new = Get-Content -Raw -LiteralPath $file | ConvertFrom-Json
    if ($new.organization -ne 'samplecorp') { return }
    foreach ($target in @($r.Saved | ForEach-Object { Join-Path $r.Root $_ }) + $r.Live) {
        $old = Join-Path $target 'CurrentUser/connection.json'
        if (-not (Test-Path -LiteralPath $old) -or (Get-Content -Raw -LiteralPath $old | ConvertFrom-Json).generation -ge $new.generation) { continue }
        foreach ($name in @($new.accessTokenSecret, $new.refreshTokenSecret) | Where-Object { $_ }) {
            Copy-Tree (Join-Path $State "CurrentUser/secrets/$name.bin") (Join-Path $target "CurrentUser/secrets/$name.bin")
        }
        Copy-Tree $file $old
    }
}

function Stop-HelpExampleStage {
    <# The AfterAll: stops the local Azure DevOps and removes the stages. #>
    $r = $script:Run
    $script:Run = $null
    if ($r -and $r.Host -and -not $r.Host.Process.HasExited -and $env:PFA_HELPEXAMPLES_PROFILE) {
        $cpu = Get-ProcessCpu -Id $r.Host.Process.Id
        Add-Content -LiteralPath $env:PFA_HELPEXAMPLES_PROFILE -Value ("(example host, all its life)`t{0:f2}`t{1:f2}`t" -f ([DateTime]::Now - $r.Host.Process.StartTime).TotalSeconds, ($cpu.Own + $cpu.Children))
    }
    try { if ($r) { Stop-HelpExampleHost $r.Host } }
    finally {
        try { Exit-TestSession }
        finally { if ($r) { Remove-Tree $r.Root } }
    }
}

Export-ModuleMember -Function Get-HelpExampleConfig, Get-HelpExampleStageName, Get-HelpExamplePage, Get-HelpExampleFile, Get-HelpExampleCase, Start-HelpExampleStage, Invoke-HelpExample, Stop-HelpExampleStage
