Set-StrictMode -Version 3.0

function Install-DebianPackages {
    <# Installs the Debian packages behind missing commands, when this session may install (root with apt-get). #>
    param([hashtable] $Commands)
    $missing = @($Commands.GetEnumerator() | Where-Object { -not (Get-Command $_.Key -ErrorAction Ignore) -and -not (Test-Path "/usr/sbin/$($_.Key)") } | ForEach-Object Value | Sort-Object -Unique)
    if ($missing.Count -eq 0) { return }
    $isRoot = $IsLinux -and ((& id -u) -eq '0')
    if (-not $isRoot -or -not (Get-Command apt-get -ErrorAction Ignore)) {
        Write-Warning "Missing tools ($($missing -join ', ')); install them with your package manager. Tests that need them will fail."
        return
    }
    Write-Host "Installing Debian packages: $($missing -join ', ')"
    $env:DEBIAN_FRONTEND = 'noninteractive'
    & apt-get update -qq | Out-Null
    & apt-get install -y -qq --no-install-recommends @missing | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "apt-get install $($missing -join ' ') failed." }
}

function Get-NuGetPackagesFolder {
    if ($env:NUGET_PACKAGES) { return $env:NUGET_PACKAGES }
    $line = & dotnet nuget locals global-packages --list
    return ($line -replace '^global-packages:\s*', '').Trim()
}

function Invoke-XunitTests {
    <# Runs an xunit project the build already built (--no-build); returns its counts (read from a TRX file, not from console text). #>
    param([string] $Project, [string] $Configuration, [string] $Version, [string] $Filter)
    $results = Join-Path ([IO.Path]::GetTempPath()) ("pfa-xunit-" + [guid]::NewGuid().ToString('N'))
    $arguments = @('test', $Project, '-c', $Configuration, "-p:Version=$Version", '--no-build', '--nologo', '--logger', 'trx;LogFileName=xunit.trx', '--logger', 'console;verbosity=minimal', '--results-directory', $results)
    if ($Filter) { $arguments += @('--filter', $Filter) }
    & dotnet @arguments | Out-Host
    $exit = $LASTEXITCODE
    $trx = Get-ChildItem $results -Filter '*.trx' -Recurse -ErrorAction Ignore | Select-Object -First 1
    if (-not $trx) { return [pscustomobject]@{ Passed = 0; Failed = [Math]::Max(1, $exit); Skipped = 0 } }
    [xml] $xml = Get-Content -Raw $trx.FullName
    $counters = $xml.TestRun.ResultSummary.Counters
    Remove-Item $results -Recurse -Force -ErrorAction Ignore
    $failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
    if ($exit -ne 0 -and $failed -eq 0) { $failed = 1 }
    # vstest counts a skipped test in total but not in executed (notExecuted stays 0).
    $skipped = [Math]::Max([int]$counters.notExecuted, [int]$counters.total - [int]$counters.executed)
    [pscustomobject]@{ Passed = [int]$counters.passed; Failed = $failed; Skipped = $skipped }
}

function Get-CpuSeconds {
    <#
    CPU seconds of this process and of the children it has waited for (Linux: /proc/self/stat utime+stime+cutime+cstime
    at 100 ticks/s), so a lane's CPU time counts the dotnet, pwsh and server processes it ran. Processes nobody waited
    for (MSBuild and compiler build servers, a grandchild whose parent died first) are not counted. -Own: this process
    alone (utime+stime).
    #>
    param([switch] $Own)
    if (Test-Path /proc/self/stat) {
        $fields = ((Get-Content -Raw /proc/self/stat) -replace '^.*\) ', '') -split ' '
        if ($Own) { return ([long]$fields[11] + [long]$fields[12]) / 100.0 }
        return ([long]$fields[11] + [long]$fields[12] + [long]$fields[13] + [long]$fields[14]) / 100.0
    }
    if ($Own) { return [Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime.TotalSeconds }
    return [Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime.TotalSeconds
}

function Get-TestPwshHome {
    <#
    The pwsh the Pester workers run in (and so every fresh pwsh a test starts: they all start Join-Path $PSHOME 'pwsh').
    It is this pwsh's own folder ($PSHOME, PowerShell 7.6.9 from the .NET local tool) copied once to
    ~/.cache/PfaAzureDevOps/pwsh-r2r/<versions>/ (outside the checkout, like the NuGet packages it is made from),
    with PowerShell's own assemblies compiled ahead of time (ReadyToRun) by crossgen2 from NuGet, as PowerShell's release
    builds are. The .NET tool package ships them as IL only, so each fresh pwsh would JIT-compile its start: measured here,
    0.75 CPU s for 'pwsh -c 1' from the tool against 0.28 from this copy. Same version, same IL, same files otherwise.
    Built once per pwsh, runtime and crossgen2 version (a new folder under a temporary name, then renamed, so concurrent
    builds never see half a copy). Falls back to $PSHOME, with a warning, where crossgen2 is missing or is not for this
    machine (it is restored for linux-x64 only) or PFA_TEST_PWSH=tool asks for the tool's own pwsh.
    #>
    param([Parameter(Mandatory)] [string] $RepositoryRoot, [switch] $CachedOnly)
    if ($env:PFA_TEST_PWSH -eq 'tool') { return $PSHOME }
    if ($CachedOnly) {
        # Before the bootstrap's restores are done (crossgen2 may not be there yet): the copy an earlier run made, or
        # this pwsh. Not checked by starting it (that costs a pwsh start); a copy that fails fails its caller loudly.
        $target = Get-TestPwshTarget -RepositoryRoot $RepositoryRoot
        if ($target -and (Test-Path (Join-Path $target 'pwsh'))) { return $target }
        return $PSHOME
    }
    try { return (New-TestPwshHome -RepositoryRoot $RepositoryRoot) }
    catch {
        # A slower start is no reason to fail the run (no writable ~/.cache, a full disk, a crossgen2 that crashed).
        Write-Warning "Could not make the compiled pwsh for the tests ($($_.Exception.Message)); they run $PSHOME, which starts slower."
        return $PSHOME
    }
}

function New-TestPwshHome {
    <# Get-TestPwshHome's work: the cached copy, made when missing. Throws on what it cannot do. #>
    param([Parameter(Mandatory)] [string] $RepositoryRoot)
    $target = Get-TestPwshTarget -RepositoryRoot $RepositoryRoot
    if (-not $target) { return $PSHOME }
    if (Test-Path (Join-Path $target 'pwsh')) { return (Confirm-TestPwsh $target) }
    $crossgenVersion = $script:TestPwshRecipe.CrossgenVersion
    $names = $script:TestPwshRecipe.Names
    $options = $script:TestPwshRecipe.Options
    $key = Split-Path $target -Leaf
    $crossgen = Join-Path (Get-NuGetPackagesFolder) "microsoft.netcore.app.crossgen2.linux-x64/$crossgenVersion/tools/crossgen2"
    if (-not (Test-Path $crossgen)) {
        Write-Warning "crossgen2 $crossgenVersion was not restored ($crossgen); the tests run the PowerShell tool's own pwsh, which is slower to start. Run ./build.ps1 Bootstrap."
        return $PSHOME
    }
    $framework = [Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory()

    $watch = [Diagnostics.Stopwatch]::StartNew()
    $staging = "$target.$PID.tmp"
    New-Item -ItemType Directory -Path (Split-Path $target) -Force | Out-Null
    # Copies an interrupted build left behind: <key>.<pid>.tmp whose process is gone.
    foreach ($old in @(Get-ChildItem -LiteralPath (Split-Path $target) -Directory -Filter '*.tmp')) {
        if ($old.Name -match '\.(\d+)\.tmp$' -and -not (Get-Process -Id ([int]$Matches[1]) -ErrorAction Ignore)) {
            Remove-Item -LiteralPath $old.FullName -Recurse -Force -ErrorAction Ignore
        }
    }
    if (Test-Path $staging) { Remove-Item $staging -Recurse -Force }
    & cp -a $PSHOME $staging
    if ($LASTEXITCODE -ne 0) { throw "Could not copy $PSHOME to $staging." }
    $inputs = @(Get-ChildItem -Path "$PSHOME/*" -File -Include $names) +
        @(Get-ChildItem -LiteralPath (Join-Path $PSHOME 'Modules') -Recurse -File -Filter 'Microsoft.PowerShell.ThreadJob.dll')
    $compiled = 0
    foreach ($assembly in $inputs) {
        $relative = [IO.Path]::GetRelativePath($PSHOME, $assembly.FullName)
        $out = Join-Path $staging "$relative.r2r"
        $log = & $crossgen $assembly.FullName -o $out -r "$framework/*.dll" -r "$PSHOME/*.dll" @options 2>&1
        if ($LASTEXITCODE -eq 0 -and (Test-Path $out)) { Move-Item -LiteralPath $out -Destination (Join-Path $staging $relative) -Force; $compiled++ }
        else {
            Remove-Item -LiteralPath $out -Force -ErrorAction Ignore
            Write-Warning "crossgen2 left $relative as IL: $(@($log)[-1])"
        }
    }
    if ($compiled -lt $inputs.Count) {
        # Not cached half-compiled: the next run tries again.
        Remove-Item -LiteralPath $staging -Recurse -Force -ErrorAction Ignore
        throw "crossgen2 compiled $compiled of $($inputs.Count) assemblies"
    }
    # Directory.Move, not Move-Item: Move-Item would move the copy *into* a folder another build renamed first.
    # (cp -a kept $PSHOME's date on the folder; the sweep below goes by the date it was made.)
    try { [IO.Directory]::Move($staging, $target); [IO.Directory]::SetLastWriteTimeUtc($target, [DateTime]::UtcNow) }
    catch {
        # Another build renamed its copy first: use that one.
        Remove-Item -LiteralPath $staging -Recurse -Force -ErrorAction Ignore
        if (-not (Test-Path (Join-Path $target 'pwsh'))) { throw }
    }
    # Copies for other versions or recipes, made over a week ago, go (a checkout that still needs one makes it again).
    Get-ChildItem -LiteralPath (Split-Path $target) -Directory | Where-Object { $_.Name -ne $key -and $_.Name -notlike '*.tmp' -and $_.LastWriteTimeUtc -lt [DateTime]::UtcNow.AddDays(-7) } |
        Remove-Item -Recurse -Force -ErrorAction Ignore
    Write-Host ("Test pwsh: {0} of PowerShell's assemblies compiled ahead of time in {1:0} s ({2})" -f $compiled, $watch.Elapsed.TotalSeconds, $target)
    return (Confirm-TestPwsh $target)
}

$script:TestPwshRecipe = $null
function Get-TestPwshTarget {
    <# Where the compiled copy of this pwsh lives (made or not), or $null where none is made (not Linux x64, no
       crossgen2 in tests/tools/tools.csproj). The folder's name holds every input of the copy. #>
    param([Parameter(Mandatory)] [string] $RepositoryRoot)
    $arch = [Runtime.InteropServices.RuntimeInformation]::OSArchitecture
    if (-not $IsLinux -or $arch -ne 'X64') { return $null }
    $project = Get-Content -Raw (Join-Path $RepositoryRoot 'tests/tools/tools.csproj')
    if ($project -notmatch 'Crossgen2\.linux-x64" Version="\[([^\]]+)\]"') { return $null }
    $crossgenVersion = $Matches[1]
    # The assemblies a test's pwsh loads (read off a session that imports the module, Pester and thread jobs).
    $names = 'System.Management.Automation.dll', 'pwsh.dll', 'Microsoft.PowerShell.*.dll', 'Newtonsoft.Json.dll',
        'Microsoft.ApplicationInsights.dll', 'Microsoft.Management.Infrastructure.dll', 'Markdig.Signed.dll'
    $options = '--targetos', 'linux', '--targetarch', 'x64', '-O'
    $script:TestPwshRecipe = @{ CrossgenVersion = $crossgenVersion; Names = $names; Options = $options }
    # The key names every input of the copy: versions, and a digest of the assembly list and crossgen2's options.
    $recipe = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes((($names + $options) -join '|')))).Substring(0, 8).ToLowerInvariant()
    $key = 'pwsh{0}-net{1}-cg{2}-{3}' -f $PSVersionTable.PSVersion, [Environment]::Version, $crossgenVersion, $recipe
    # Outside the checkout, like the NuGet packages it is made from, so a fresh clone on this machine reuses it.
    $cache = if ($env:XDG_CACHE_HOME) { $env:XDG_CACHE_HOME } else { Join-Path $HOME '.cache' }
    Join-Path $cache "PfaAzureDevOps/pwsh-r2r/$key"
}

function Confirm-TestPwsh([string] $PwshHome) {
    <# The compiled copy must start and be this pwsh's version; else the tests run this pwsh (with a warning). #>
    $psi = [Diagnostics.ProcessStartInfo]::new((Join-Path $PwshHome 'pwsh'))
    foreach ($a in '-NoProfile', '-NonInteractive', '-Command', '$PSVersionTable.PSVersion.ToString()') { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.RedirectStandardInput = $true
    $version = 'no answer within 60 s'
    try {
        $p = [Diagnostics.Process]::Start($psi)
        $out = $p.StandardOutput.ReadToEndAsync(); $err = $p.StandardError.ReadToEndAsync()
        if ($p.WaitForExit(60000)) {
            $version = ($out.Result + $err.Result).Trim()
            if ($p.ExitCode -eq 0 -and $version -eq $PSVersionTable.PSVersion.ToString()) { return $PwshHome }
        }
        else { $p.Kill($true) }
    }
    catch { $version = $_.Exception.Message }
    Write-Warning "The compiled pwsh in $PwshHome does not start ($version); the tests run $PSHOME. Delete that folder to rebuild it."
    return $PSHOME
}

function Get-PesterLanes {
    <# build/PesterLanes.psd1: the Pester files of the fast lane and each file's measured weight (seconds). #>
    param([string] $RepositoryRoot)
    Import-PowerShellDataFile (Join-Path $RepositoryRoot 'build/PesterLanes.psd1')
}

function Start-PesterTests {
    <#
    Starts Pester against the packaged module in Workers fresh pwsh processes side by side (tests/Invoke-PesterRun.ps1),
    each taking the next test file from one queue, heaviest first (weights in build/PesterLanes.psd1, measured), so the
    files that wait on servers, browsers and child processes overlap. Returns a handle for Wait-PesterTests; the caller
    may run other lanes meanwhile. The result files (NUnit XML, log and counts per file) go to ResultDirectory.
    #>
    param([string] $RepositoryRoot, [string] $ModuleRoot, [string] $PesterVersion, [string[]] $Path, [int] $Workers = 2,
        [Parameter(Mandatory)] [string] $ResultDirectory,
        # The folder of the pwsh the workers run in (Get-TestPwshHome); this pwsh's own by default.
        [string] $PwshHome = $PSHOME)
    $pester = Join-Path (Get-NuGetPackagesFolder) "pester/$PesterVersion/tools/Pester.psd1"
    if (-not (Test-Path $pester)) { throw "Pester $PesterVersion was not restored ($pester). Run ./build.ps1 Bootstrap." }
    $pesterRoot = Join-Path $RepositoryRoot 'tests/Pester'
    $files = if ($Path) {
        @($Path | ForEach-Object { $_ -split ',' } | Where-Object { $_ } | ForEach-Object {
                $candidate = if (Test-Path $_) { $_ } else { Join-Path $pesterRoot $_ }
                if (Test-Path $candidate -PathType Container) { Get-ChildItem $candidate -Filter '*.Tests.ps1' -Recurse | ForEach-Object FullName }
                elseif (Test-Path $candidate) { (Resolve-Path $candidate).Path }
                else { throw "No Pester file or folder '$_' (looked in the current folder and in tests/Pester)." }
            })
    }
    else { @(Get-ChildItem $pesterRoot -Filter '*.Tests.ps1' | ForEach-Object FullName) }
    $files = @($files | Sort-Object -Unique)
    if ($files.Count -eq 0) { throw 'No Pester test files to run.' }

    $weights = (Get-PesterLanes -RepositoryRoot $RepositoryRoot).Weights
    $ordered = @($files | Sort-Object @{ Expression = { $w = $weights[[IO.Path]::GetFileName($_)]; if ($null -eq $w) { 30 } else { $w } }; Descending = $true }, @{ Expression = { $_ } })
    $queue = Join-Path $ResultDirectory 'queue'
    New-Item -ItemType Directory -Path (Join-Path $queue 'claimed') -Force | Out-Null
    for ($i = 0; $i -lt $ordered.Count; $i++) {
        Set-Content -LiteralPath (Join-Path $queue ('{0:d3}-{1}' -f $i, [IO.Path]::GetFileName($ordered[$i]))) -Value $ordered[$i]
    }
    $Workers = [Math]::Max(1, [Math]::Min($Workers, $ordered.Count))
    Write-Host "Pester: $($ordered.Count) files in $Workers workers, heaviest first; results in $ResultDirectory"

    $runner = Join-Path $RepositoryRoot 'tests/Invoke-PesterRun.ps1'
    $pwsh = Join-Path $PwshHome 'pwsh'
    $temps = [Collections.Generic.List[string]]::new()
    $procs = @(for ($w = 1; $w -le $Workers; $w++) {
            # Each worker (and every process it starts) gets a temporary folder of its own (mode 1777, like /tmp), so a
            # test that looks for leftovers in the temporary folder (pfa-git-* key folders, *.tmp files) sees only its own
            # files, never those of a file running in another worker or of the xunit lane running meanwhile.
            $temp = Join-Path ([IO.Path]::GetTempPath()) ("pfa-pester-tmp-" + [guid]::NewGuid().ToString('N').Substring(0, 8) + "-w$w")
            New-Item -ItemType Directory -Path $temp -Force | Out-Null
            if ($IsLinux -or $IsMacOS) { & chmod 1777 $temp }
            $temps.Add($temp)
            $workerArgs = @('-NoProfile', '-NonInteractive', '-File', $runner, '-PesterManifest', $pester, '-ModuleRoot', $ModuleRoot,
                '-QueueDirectory', $queue, '-ResultDirectory', $ResultDirectory, '-WorkerName', "worker$w")
            if ($IsLinux -or $IsMacOS) {
                # Through 'sh -c exec' so both streams go to a file (no pipe to fill) and the PID is pwsh's own.
                $psi = [Diagnostics.ProcessStartInfo]::new('/bin/sh')
                $psi.ArgumentList.Add('-c'); $psi.ArgumentList.Add('exec "$0" "$@" </dev/null >"$PFA_WORKER_LOG" 2>&1')
                $psi.ArgumentList.Add($pwsh)
                $psi.Environment['PFA_WORKER_LOG'] = Join-Path $ResultDirectory "worker$w.log"
            }
            else { $psi = [Diagnostics.ProcessStartInfo]::new($pwsh) }
            foreach ($name in 'TMPDIR', 'TMP', 'TEMP') { $psi.Environment[$name] = $temp }
            # No PowerShell telemetry from the tests' pwsh processes (their children inherit it): it is not ours to send,
            # and each start spends about 0.05 CPU s on it.
            $psi.Environment['POWERSHELL_TELEMETRY_OPTOUT'] = '1'
            # The worker's runtime compiles each method once, fully optimized (no tiered re-compiling): a worker lives for
            # minutes and runs new code (each file's tests) all along, so the background re-compiling of PowerShell's and
            # Pester's hot code, 2.5 to 3 CPU s after each burst of new work, cost more than it saved (measured: Pester
            # 301 -> 233 CPU s in a full run). The worker puts the variable back as it was before it starts anything, so
            # the pwsh, emulator and other processes the tests start run with the runtime's defaults, as users' do.
            $psi.Environment['PFA_WORKER_TIERED_COMPILATION'] = "$([Environment]::GetEnvironmentVariable('DOTNET_TieredCompilation'))"
            $psi.Environment['DOTNET_TieredCompilation'] = '0'
            foreach ($a in $workerArgs) { $psi.ArgumentList.Add($a) }
            $psi.UseShellExecute = $false
            [Diagnostics.Process]::Start($psi)
        })
    [pscustomobject]@{ Files = $ordered; Processes = $procs; ResultDirectory = $ResultDirectory; Shown = @{}; Temps = $temps
        Counts = [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0; FailedContainers = 0; FailedBlocks = 0; Files = [Collections.Generic.List[object]]::new() } }
}

function Show-PesterResults {
    <# Prints each file that finished since the last call, whole (its log), with its counts and times. #>
    param([Parameter(Mandatory)] $Run)
    # Called every half second for minutes: .NET's file listing and a filter on names already shown, not Get-ChildItem
    # and Sort-Object over every file (that cost 33 ms a call, about 20 CPU s of a full run).
    $new = [Collections.Generic.List[string]]::new()
    try { foreach ($path in [IO.Directory]::GetFiles($Run.ResultDirectory, '*.json')) { if (-not $Run.Shown[[IO.Path]::GetFileName($path)]) { $new.Add($path) } } }
    catch [IO.DirectoryNotFoundException] { return }
    if ($new.Count -eq 0) { return }
    foreach ($path in @($new | Sort-Object { [IO.File]::GetLastWriteTimeUtc($_) })) {
        $name = [IO.Path]::GetFileName($path)
        try { $r = [IO.File]::ReadAllText($path) | ConvertFrom-Json } catch { continue }   # still being written
        if ($null -eq $r) { continue }
        # Not a Pester file's result (the lanes' unit-lanes.json, a worker's servers.json): never read again.
        if (-not $r.PSObject.Properties['File']) { $Run.Shown[$name] = $true; continue }
        $Run.Shown[$name] = $true
        $logFile = [IO.Path]::ChangeExtension($path, '.log')
        if (Test-Path -LiteralPath $logFile) { Get-Content -LiteralPath $logFile | Out-Host }
        Write-Host ("--- {0}: {1} passed, {2} failed, {3} skipped in {4:0.0} s (CPU {5:0.0} s, of it {6:0.0} s in the worker itself; {7})" -f $r.File, $r.Passed, $r.Failed, $r.Skipped, $r.Seconds, $r.CpuSeconds, $r.OwnCpuSeconds, $r.Worker)
        $c = $Run.Counts
        $c.Passed += $r.Passed; $c.Failed += $r.Failed; $c.Skipped += $r.Skipped
        $c.FailedContainers += $r.FailedContainers; $c.FailedBlocks += $r.FailedBlocks
        $c.Files.Add($r)
    }
}

function Wait-PesterTests {
    <# Waits for the workers of Start-PesterTests, printing each file as it finishes; returns the counts and per-file times. #>
    param([Parameter(Mandatory)] $Run)
    try {
        while (@($Run.Processes | Where-Object { -not $_.HasExited }).Count -gt 0) {
            Show-PesterResults -Run $Run
            Start-Sleep -Milliseconds 250
        }
        Show-PesterResults -Run $Run
    }
    finally {
        foreach ($p in $Run.Processes) {
            if (-not $p.HasExited) { try { $p.Kill($true) } catch { } }
            $p.WaitForExit(); $p.Dispose()
        }
        foreach ($temp in $Run.Temps) { Remove-Item -LiteralPath $temp -Recurse -Force -ErrorAction Ignore }
    }
    # A file that was claimed but has no result (its worker died), or never claimed (every worker died), failed.
    $name = { ([IO.Path]::GetFileNameWithoutExtension($args[0]) -replace '\.Tests$', '') }
    $lost = @($Run.Files | Where-Object { -not $Run.Shown[(& $name $_) + '.json'] })
    if ($lost.Count -gt 0) {
        foreach ($log in @(Get-ChildItem -LiteralPath $Run.ResultDirectory -Filter 'worker*.log' -ErrorAction Ignore)) {
            if ($log.Length -gt 0) { Write-Host "--- $($log.BaseName) printed:"; Get-Content -LiteralPath $log.FullName | Out-Host }
        }
        foreach ($f in $lost) {
            $partial = Join-Path $Run.ResultDirectory ((& $name $f) + '.log')
            if (Test-Path $partial) { Get-Content $partial | Out-Host }
            Write-Host "--- $([IO.Path]::GetFileName($f)): did not finish (its worker stopped)"
        }
        $Run.Counts.FailedContainers += $lost.Count
    }
    return $Run.Counts
}

function Invoke-NetFxTests {
    <#
    Runs the .NET Framework tests (tests/PfaAzureDevOps.NetFx.Tests, net472) on Mono against the packaged module's
    dependencies/netfx, with the local Azure DevOps and its sshd started for them; returns their counts.
    #>
    param([string] $RepositoryRoot, [string] $ModuleRoot, [string] $Configuration, [string] $Version,
        # Where the runner's XML result (per-test times, failures) is kept: the run's results folder; a temporary file without.
        [string] $ResultDirectory)
    if (-not (Get-Command mono -ErrorAction Ignore)) {
        Write-Warning 'Mono is not installed (Debian: apt-get install mono-complete; ./build.ps1 Bootstrap does it as root): the .NET Framework tests cannot run.'
        return [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }
    }
    Import-Module (Join-Path $RepositoryRoot 'tests/TestHelpers/LocalAzureDevOps.psm1') -Force
    $withSsh = $IsLinux -and ((& id -u) -eq '0') -and (Test-Path /usr/sbin/sshd)
    $ado = Start-LocalAzureDevOps -WithSsh:$withSsh
    $setup = Join-Path ([IO.Path]::GetTempPath()) ('pfa-netfx-setup-' + [guid]::NewGuid().ToString('N') + '.txt')
    try {
        $null = Invoke-LocalAzureDevOpsControl -Instance $ado -Method POST -Path '/_test/orgs' -Body @{ name = 'samplecorp' }
        $null = Invoke-LocalAzureDevOpsControl -Instance $ado -Method POST -Path '/_test/orgs/samplecorp/repos' -Body @{ project = 'Modules'; repo = 'puppet-base' }
        $app = Invoke-LocalAzureDevOpsControl -Instance $ado -Method POST -Path '/_test/apps' -Body @{ name = 'PFA'; callbackUrl = 'https://pfa.example.test/oauth2/azureDevOps'; scopes = 'vso.code_write' }
        $lines = @(
            "HttpUrl=$($ado.HttpUrl)"
            "AppId=$($app.id)"
            "ClientSecret=$($app.clientSecret)"
            "CallbackUrl=$($app.callbackUrl)"
            "Scopes=$($app.scopes)"
            "Organization=samplecorp"
        )
        if ($withSsh) {
            $lines += "RepositoryUrl=ssh://$($ado.SshUser)@127.0.0.1:$($ado.SshPort)/v3/samplecorp/Modules/puppet-base"
            $lines += "HostKeyFingerprint=$($ado.SshHostKeyFingerprint)"
        }
        Set-Content -LiteralPath $setup -Value $lines
        $env:PFA_NETFX_SETUP = $setup
        $env:PFA_NETFX_MODULE_ROOT = $ModuleRoot
        # xunit's console runner on Mono, in the runner's AppDomain (-noappdomain: in an AppDomain of its own Mono fails a
        # ForeignMsalTests case). The tests find "beside the test assembly" from the assembly's own folder
        # (NetFxModule.TestFolder), not the runner's base folder, so ResolverTests' closure check can still fail (review6 H1,
        # unit7). Against vstest, measured alternately: 6.2, 4.9, 6.7, 4.2 CPU s against 8.1, 8.7, 10.2, 11.2. vstest stays
        # the fallback when the runner package was not restored.
        $runner = Join-Path (Get-NuGetPackagesFolder) 'xunit.runner.console/2.4.1/tools/net472/xunit.console.exe'
        $dll = Join-Path $RepositoryRoot "tests/PfaAzureDevOps.NetFx.Tests/bin/$Configuration/net472/PfaAzureDevOps.NetFx.Tests.dll"
        if (-not (Test-Path -LiteralPath $runner)) {
            Write-Warning "xunit's console runner is not restored ($runner): the .NET Framework tests run through vstest."
            return (Invoke-XunitTests -Project (Join-Path $RepositoryRoot 'tests/PfaAzureDevOps.NetFx.Tests') -Configuration $Configuration -Version $Version)
        }
        $xml = if ($ResultDirectory) { Join-Path $ResultDirectory 'netfx-xunit.xml' } else { Join-Path ([IO.Path]::GetTempPath()) ('pfa-netfx-' + [guid]::NewGuid().ToString('N') + '.xml') }
        try {
            & mono $runner $dll -noappdomain -nologo -xml $xml | Out-Host
            $exit = $LASTEXITCODE
            # <assemblies><assembly total passed failed skipped errors ...>: counts from the file, not from console text.
            if (-not (Test-Path -LiteralPath $xml)) { return [pscustomobject]@{ Passed = 0; Failed = [Math]::Max(1, $exit); Skipped = 0 } }
            [xml] $doc = Get-Content -Raw -LiteralPath $xml
            $passed = 0; $failed = 0; $skipped = 0
            foreach ($assembly in @($doc.assemblies.assembly)) {
                # Attributes by name: <assembly> also has an <errors> child element, which $assembly.errors would return too.
                $count = { param($name) $v = $assembly.GetAttribute($name); if ($v) { [int]$v } else { 0 } }
                $passed += & $count 'passed'; $failed += (& $count 'failed') + (& $count 'errors'); $skipped += & $count 'skipped'
            }
            if ($exit -ne 0 -and $failed -eq 0) { $failed = 1 }
            [pscustomobject]@{ Passed = $passed; Failed = $failed; Skipped = $skipped }
        }
        finally { if (-not $ResultDirectory) { Remove-Item -LiteralPath $xml -Force -ErrorAction Ignore } }
    }
    finally {
        Remove-Item Env:PFA_NETFX_SETUP, Env:PFA_NETFX_MODULE_ROOT -ErrorAction Ignore
        Remove-Item -LiteralPath $setup -Force -ErrorAction Ignore
        Stop-LocalAzureDevOps -Instance $ado
    }
}

Export-ModuleMember -Function Install-DebianPackages, Get-NuGetPackagesFolder, Get-CpuSeconds, Get-TestPwshHome, Get-PesterLanes, Invoke-XunitTests, Start-PesterTests, Show-PesterResults, Wait-PesterTests, Invoke-NetFxTests
