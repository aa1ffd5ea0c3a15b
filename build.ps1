#requires -Version 7.4
<#
.SYNOPSIS
    Builds, packages, documents, tests, demonstrates and benchmarks PfaAzureDevOps.

.DESCRIPTION
    Tasks (each runs what it needs first):
      Bootstrap  restores the local tools (PowerShell) and Pester; installs Debian's openssh-server, git,
                 chromium and mono-complete when missing and this session may install (root).
      Build      compiles the solution.
      Docs       compiles docs/en-US/*.md (platyPS schema) into MAML help for the packaged module.
      Package    lays out out/PfaAzureDevOps/<version>/, a module folder Import-Module loads from PSModulePath.
      Test       the whole suite: Pester against the packaged module (files spread over -PesterWorkers fresh pwsh
                 processes) and meanwhile xunit for the engine (unit and integration lanes) and the .NET Framework
                 (net472) tests on Mono against the packaged dependencies/netfx. Prints each lane's wall and CPU time,
                 then ends with 'N passed, N failed'; non-zero on any failed test, failed test file or when nothing ran.
                 -Fast: the inner loop (under a minute): the build, xunit's unit lane (no servers, no child processes)
                 and the Pester files build/PesterLanes.psd1 lists as Fast.
      Demo       the README's main job: the admin and user walkthrough against the local Azure DevOps.
      Bench      import-time (and other) benchmarks, side by side with their anchors in one run.
      Publish    the packaged module as a .nupkg through PSResourceGet: to -Repository when given, else into
                 out/packages (a local file repository: Install-PSResource PfaAzureDevOps -Repository <it>).

.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Bootstrap', 'Build', 'Docs', 'Package', 'Publish', 'Test', 'Demo', 'Bench', 'Clean')]
    [string[]] $Task = @('Test'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Pester tests to run (paths or names under tests/Pester); all when empty.
    [string[]] $PesterPath,

    # Skip the xunit part of Test.
    [switch] $SkipUnitTests,

    # Test: the fast lane only (xunit's unit lane and the Pester files build/PesterLanes.psd1 lists as Fast).
    [switch] $Fast,

    # Test: how many pwsh processes run Pester files side by side. Five on two cores: most files now spend most of their
    # time waiting (timeouts, retries, browsers, child processes), not computing (measured back to back: 5 workers 198 s,
    # 3 workers 226 s for the whole run).
    [ValidateRange(1, 8)]
    [int] $PesterWorkers = 5,

    # Publish: a repository registered with Register-PSResourceRepository (its credentials are PSResourceGet's
    # business). Without it the .nupkg goes to out/packages.
    [string] $Repository
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$Root = $PSScriptRoot
Import-Module (Join-Path $Root 'build/BuildTools.psm1') -Force

$Manifest = Import-PowerShellDataFile (Join-Path $Root 'PfaAzureDevOps.psd1')
$Version = $Manifest.ModuleVersion
$OutRoot = Join-Path $Root 'out'
$ModuleRoot = Join-Path $OutRoot 'PfaAzureDevOps' $Version
$PesterVersion = '5.7.1'
$script:Done = @{}

$script:LaneTimes = [ordered]@{}
$script:BootstrapJobs = @()

function Invoke-Step([string] $Name, [scriptblock] $Body) {
    if ($script:Done[$Name]) { return }
    Write-Host "==> $Name" -ForegroundColor Cyan
    & $Body
    $script:Done[$Name] = $true
}

function Measure-Lane([string] $Lane, [scriptblock] $Body) {
    <# Runs Body and records its wall and CPU time (this process and the children it waited for meanwhile). #>
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $cpu = Get-CpuSeconds
    try { & $Body }
    finally { $script:LaneTimes[$Lane] = [pscustomobject]@{ Wall = $watch.Elapsed.TotalSeconds; Cpu = (Get-CpuSeconds) - $cpu } }
}

function Format-LaneTimes([double] $Wall, [double] $Cpu, [double] $OwnCpu) {
    $parts = @($script:LaneTimes.GetEnumerator() | ForEach-Object { '{0} {1:0} s (CPU {2:0} s)' -f $_.Key, $_.Value.Wall, $_.Value.Cpu })
    # What no lane counts: the local Azure DevOps' build (a thread of this process, reaped after the build lane), the
    # Pester workers' and the lanes' pwsh starts, and this process's waiting.
    $lanes = ($script:LaneTimes.Values | Measure-Object Cpu -Sum).Sum
    if ($Cpu -gt $lanes) { $parts += 'other CPU {0:0} s' -f ($Cpu - $lanes) }
    # This process's own part (the help compiler, the package, printing the files' output), already in build and other.
    if ($OwnCpu -gt 0) { $parts += "this pwsh's own CPU {0:0} s (in build and other)" -f $OwnCpu }
    $load = if (Test-Path /proc/loadavg) { '; load average at the end ' + (((Get-Content /proc/loadavg) -split ' ')[0..2] -join ' ') } else { '' }
    "Times: $($parts -join '; '); total $('{0:0}' -f $Wall) s (CPU $('{0:0}' -f $Cpu) s) on $([Environment]::ProcessorCount) cores$load"
}

function Invoke-Native([string] $File, [string[]] $Arguments) {
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE." }
}

function Invoke-Bootstrap([switch] $Background) {
    <# The tools and packages every task needs. -Background (Test): Pester's package (tests/tools) and the browser
       helper's node packages are restored on threads while the module builds; Wait-Bootstrap waits for them. #>
    Invoke-Step Bootstrap {
        Invoke-Native dotnet @('tool', 'restore')
        Install-DebianPackages -Commands @{ sshd = 'openssh-server'; ssh = 'openssh-client'; 'ssh-keygen' = 'openssh-client'; git = 'git'; chromium = 'chromium'; mono = 'mono-complete' }
        $restores = @(
            @{ File = 'dotnet'; Arguments = @('restore', (Join-Path $Root 'tests/tools/tools.csproj'), '--verbosity', 'quiet') }
            @{ File = 'npm'; Arguments = @('ci', '--prefix', (Join-Path $Root 'tests/Browser'), '--no-audit', '--no-fund', '--loglevel', 'error') }
        )
        foreach ($r in $restores) {
            if (-not $Background) { Invoke-Native $r.File $r.Arguments; continue }
            $script:BootstrapJobs += Start-ThreadJob -Name "$($r.File) $($r.Arguments[0])" -ArgumentList $r.File, $r.Arguments -ScriptBlock {
                param($File, $Arguments)
                $out = & $File @Arguments 2>&1 | ForEach-Object { "$_" }
                [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $out; Command = "$File $($Arguments -join ' ')" }
            }
        }
    }
}

function Wait-Bootstrap {
    <# Waits for Invoke-Bootstrap -Background's restores, prints what they printed, and fails when one failed. #>
    $jobs = @($script:BootstrapJobs)
    $script:BootstrapJobs = @()
    foreach ($job in $jobs) {
        $r = $job | Receive-Job -Wait -AutoRemoveJob
        if ($r.Output) { $r.Output | Out-Host }
        if ($r.ExitCode -ne 0) { throw "$($r.Command) failed with exit code $($r.ExitCode)." }
    }
}

function Invoke-Build {
    Invoke-Step Build {
        Invoke-Native dotnet @('build', (Join-Path $Root 'PfaAzureDevOps.sln'), '-c', $Configuration, "-p:Version=$Version", '--nologo', '--verbosity', 'quiet')
    }
}

function Invoke-ModuleBuild([switch] $WithTestProjects) {
    <# What the package, the demo and Pester need: the engine, the load context, the cmdlets and the test servers'
       launcher (build/Module.slnf). The whole solution's build (Build) includes it. -WithTestProjects (Test, with the
       xunit and Mono lanes): the two test projects too (build/Test.slnf), in the same MSBuild, which builds them on the
       second core beside the cmdlets instead of starting an MSBuild of its own for each later. #>
    if ($script:Done['Build']) { return }
    $projects = if ($WithTestProjects) { 'build/Test.slnf' } else { 'build/Module.slnf' }
    Invoke-Step 'Build (module)' {
        Invoke-Native dotnet @('build', (Join-Path $Root $projects), '-c', $Configuration, "-p:Version=$Version", '--nologo', '--verbosity', 'quiet')
        if ($WithTestProjects) { $script:Done['TestProjects'] = $true }
    }
}

function Start-EmulatorBuild {
    <# Builds the local Azure DevOps (tests/AzureDevOpsEmulator, when its sources changed) on a thread of this process
       while the package and the help are made, instead of in the first Pester file that starts it (EmulatorBuild's
       machine-wide mutex makes every other starter wait for this one build). #>
    $launcher = Join-Path $Root "tests/TestServers/bin/$Configuration/net8.0/PfaAzureDevOps.TestServers.dll"
    Start-ThreadJob -Name 'Emulator build' -ArgumentList $launcher, $Root -ScriptBlock {
        param($Launcher, $Root)
        Add-Type -LiteralPath $Launcher
        $null = [PfaAzureDevOps.TestServers.EmulatorBuild]::EnsureBuilt($Root)
    }
}

function Invoke-Package {
    Invoke-ModuleBuild
    Invoke-Step Package {
        if (Test-Path $ModuleRoot) { Remove-Item $ModuleRoot -Recurse -Force }
        $deps = Join-Path $ModuleRoot 'dependencies'
        New-Item -ItemType Directory -Path $deps -Force | Out-Null
        # The engine's build output is its whole closure (CopyLocalLockFileAssemblies), deps.json included.
        $engineBin = Join-Path $Root "src/PfaAzureDevOps.Core/bin/$Configuration"
        # PowerShell 7: the net8.0 engine, loaded into the private context.
        Copy-Item (Join-Path $engineBin 'net8.0') (Join-Path $deps 'core') -Recurse
        # Windows PowerShell 5.1: the net472 engine and its closure as .NET Framework sees it (the packages' lib/net461+
        # files, which forward to the framework; never their lib/netstandard2.0 PlatformNotSupportedException stubs),
        # resolved by path through the module initializer's AssemblyResolve handler.
        Copy-Item (Join-Path $engineBin 'net472') (Join-Path $deps 'netfx') -Recurse
        $lc = Join-Path $Root "src/PfaAzureDevOps.LoadContext/bin/$Configuration/net8.0/PfaAzureDevOps.LoadContext.dll"
        Copy-Item $lc $deps
        $cmdlets = Join-Path $Root "src/PfaAzureDevOps/bin/$Configuration/netstandard2.0"
        Copy-Item (Join-Path $cmdlets 'PfaAzureDevOps.dll') $ModuleRoot
        Copy-Item (Join-Path $Root 'src/PfaAzureDevOps/PfaAzureDevOps.format.ps1xml') $ModuleRoot
        Copy-Item (Join-Path $Root 'PfaAzureDevOps.psd1') $ModuleRoot
        Copy-Item (Join-Path $Root 'LICENSE') $ModuleRoot
        Get-ChildItem $deps -Recurse -Include '*.pdb' | Remove-Item -Force
        # Nothing of the engine's closure may sit beside the cmdlets assembly, or the default context finds it.
        $stray = Get-ChildItem $ModuleRoot -File -Filter '*.dll' | Where-Object Name -ne 'PfaAzureDevOps.dll'
        if ($stray) { throw "Unexpected assemblies beside PfaAzureDevOps.dll: $($stray.Name -join ', ')" }
    }
    Invoke-Docs
}

function Invoke-Docs {
    Invoke-Step Docs {
        $helpDir = Join-Path $ModuleRoot 'en-US'
        New-Item -ItemType Directory -Path $helpDir -Force | Out-Null
        Import-Module (Join-Path $Root 'build/HelpCompiler.psm1') -Force
        # The module's commands are read in a child pwsh: the compiled copy, when an earlier run made it, starts faster.
        Build-PfaHelp -ModuleManifest (Join-Path $ModuleRoot 'PfaAzureDevOps.psd1') -DocsPath (Join-Path $Root 'docs/en-US') -OutputPath $helpDir `
            -PwshHome (Get-TestPwshHome -RepositoryRoot $Root -CachedOnly)
    }
}

function Start-UnitLanes([string] $ResultDirectory) {
    <# The xunit and Mono lanes in a pwsh of their own (build/Invoke-UnitLanes.ps1), started as soon as the module is
       built; returns a handle for Wait-UnitLanes. Everything it prints goes to unit-lanes.log in the results folder. #>
    $result = Join-Path $ResultDirectory 'unit-lanes.json'
    $log = Join-Path $ResultDirectory 'unit-lanes.log'
    $packageDone = Join-Path $ResultDirectory 'package.done'
    $laneArgs = @('-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'build/Invoke-UnitLanes.ps1'), '-RepositoryRoot', $Root,
        '-ModuleRoot', $ModuleRoot, '-Configuration', $Configuration, '-Version', $Version, '-PackageDone', $packageDone,
        '-Result', $result, '-ParentId', $PID)
    if ($Fast) { $laneArgs += '-Fast' }
    if ($script:Done['Build'] -or $script:Done['TestProjects']) { $laneArgs += '-NoBuild' }
    # In the compiled copy of this pwsh when an earlier run made it (it starts and runs the lanes' script faster).
    $process = Start-Process -FilePath (Join-Path (Get-TestPwshHome -RepositoryRoot $Root -CachedOnly) 'pwsh') -ArgumentList $laneArgs -RedirectStandardOutput $log `
        -RedirectStandardError "$log.err" -NoNewWindow -PassThru
    [pscustomobject]@{ Process = $process; Result = $result; Log = $log; PackageDone = $packageDone }
}

function Wait-UnitLanes($Lanes, $PesterRun) {
    <# Waits for Start-UnitLanes' pwsh, printing Pester files as they finish meanwhile; then prints its log and returns
       its lanes (xunit, Mono: counts, wall and CPU seconds). A lane without a result failed. #>
    try {
        while (-not $Lanes.Process.HasExited) {
            if ($PesterRun) { Show-PesterResults -Run $PesterRun }
            Start-Sleep -Milliseconds 250
        }
    }
    finally {
        if (-not $Lanes.Process.HasExited) { try { $Lanes.Process.Kill($true) } catch { } }
        $Lanes.Process.WaitForExit()
    }
    foreach ($file in $Lanes.Log, "$($Lanes.Log).err") {
        if ((Test-Path -LiteralPath $file) -and (Get-Item -LiteralPath $file).Length -gt 0) { Get-Content -LiteralPath $file | Out-Host }
    }
    $lanes = if (Test-Path -LiteralPath $Lanes.Result) { Get-Content -Raw -LiteralPath $Lanes.Result | ConvertFrom-Json } else { $null }
    if (-not $lanes) {
        Write-Host "The xunit and Mono lanes did not finish: their pwsh (build/Invoke-UnitLanes.ps1) exited with code $($Lanes.Process.ExitCode) and wrote no result. What it printed is above (also in $($Lanes.Log))."
    }
    $none = [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0; Seconds = 0; CpuSeconds = 0 }
    [pscustomobject]@{
        Finished = [bool]$lanes
        Xunit = if ($lanes -and $lanes.PSObject.Properties['xunit']) { $lanes.xunit } else { $none }
        Mono  = if ($Fast) { $null } elseif ($lanes -and $lanes.PSObject.Properties['Mono']) { $lanes.Mono } else { $none }
    }
}

function Invoke-Test {
    $total = [Diagnostics.Stopwatch]::StartNew()
    $totalCpu = Get-CpuSeconds
    $ownCpu = Get-CpuSeconds -Own
    $runId = (Get-Date -Format 'yyyyMMdd-HHmmss') + "-$PID"
    $results = Join-Path $OutRoot "test-results/$runId"
    New-Item -ItemType Directory -Path $results -Force | Out-Null
    $script:UnitLanes = $null
    $unitLanesFinished = $true
    $pesterRun = $null
    $pester = $null
    $unit = [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 }
    $netfx = [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 }
    try {
        Measure-Lane 'build' {
            Invoke-Bootstrap -Background
            # The module first. Then, beside the package and the help (which keep one core busy at most), the test
            # servers' emulator on a thread of this process and the xunit and Mono lanes in a pwsh of their own: they
            # build their test projects and run, first beside the rest of the build, then beside Pester.
            Invoke-ModuleBuild -WithTestProjects:(-not $SkipUnitTests -and -not $Fast)
            $script:EmulatorBuild = if (-not $Fast) { Start-EmulatorBuild }
            if (-not $SkipUnitTests) { $script:UnitLanes = Start-UnitLanes -ResultDirectory $results }
            Invoke-Package
            if ($script:UnitLanes) { New-Item -ItemType File -Path $script:UnitLanes.PackageDone -Force | Out-Null }
            Wait-Bootstrap
            # PowerShell's assemblies compiled ahead of time for the tests' fresh pwsh processes (once per pwsh version).
            $script:TestPwshHome = Get-TestPwshHome -RepositoryRoot $Root
        }
        $lanes = Get-PesterLanes -RepositoryRoot $Root
        $paths = if ($PesterPath) { $PesterPath } elseif ($Fast) { @($lanes.Fast) } else { $null }
        # Pester in its workers. Each finished Pester file is printed whole as soon as this session is free; the xunit
        # and Mono lanes' output when they are done.
        $pesterWatch = [Diagnostics.Stopwatch]::StartNew()
        $pesterRun = Start-PesterTests -RepositoryRoot $Root -ModuleRoot $ModuleRoot -PesterVersion $PesterVersion -Path $paths `
            -Workers $PesterWorkers -ResultDirectory $results -PwshHome $script:TestPwshHome
        if ($script:UnitLanes) {
            $done = Wait-UnitLanes -Lanes $script:UnitLanes -PesterRun $pesterRun
            $unitLanesFinished = $done.Finished
            $script:UnitLanes = $null
            $unit = $done.Xunit
            $script:LaneTimes['xunit'] = [pscustomobject]@{ Wall = [double]$unit.Seconds; Cpu = [double]$unit.CpuSeconds }
            if ($done.Mono) {
                $netfx = $done.Mono
                $script:LaneTimes['Mono'] = [pscustomobject]@{ Wall = [double]$netfx.Seconds; Cpu = [double]$netfx.CpuSeconds }
            }
        }
    }
    finally {
        # A build that failed or a Ctrl+C: the xunit and Mono lanes' pwsh goes too.
        if ($script:UnitLanes -and -not $script:UnitLanes.Process.HasExited) { try { $script:UnitLanes.Process.Kill($true) } catch { } }
        if ($pesterRun) { $pester = Wait-PesterTests -Run $pesterRun }
        if ($script:EmulatorBuild) {
            # Its failure already failed every file that needed the emulator; say why once.
            $null = $script:EmulatorBuild | Wait-Job
            if ($script:EmulatorBuild.State -eq 'Failed') { Write-Warning "Building the local Azure DevOps failed: $($script:EmulatorBuild.ChildJobs[0].JobStateInfo.Reason.Message)" }
            Remove-Job $script:EmulatorBuild -Force
        }
    }
    $pesterCpu = ($pester.Files | Measure-Object CpuSeconds -Sum).Sum
    # The workers' shared local Azure DevOps (and sshd), stopped after each worker's last file: counted here, not in a file.
    $servers = @(Get-ChildItem -LiteralPath $results -Filter '*.servers.json' -ErrorAction Ignore | ForEach-Object { Get-Content -Raw -LiteralPath $_.FullName | ConvertFrom-Json })
    if ($servers.Count) {
        $serversCpu = [double]($servers | Measure-Object CpuSeconds -Sum).Sum
        $pesterCpu += $serversCpu
        Write-Host ('Pester workers'' shared local Azure DevOps (with sshd): {0:0.0} CPU s in {1} workers, replaced {2} times (counted in Pester''s CPU below, in no file)' -f $serversCpu, $servers.Count, [int]($servers | Measure-Object Replaced -Sum).Sum)
    }
    $script:LaneTimes['Pester'] = [pscustomobject]@{ Wall = $pesterWatch.Elapsed.TotalSeconds; Cpu = [double]$pesterCpu }
    $passed = $unit.Passed + $netfx.Passed + $pester.Passed
    $failed = $unit.Failed + $netfx.Failed + $pester.Failed
    Write-Host ''
    if ($pester.Files.Count -gt 0) {
        Write-Host 'Pester files (wall s; CPU s with their child processes; of it in the worker itself; worker):'
        foreach ($f in @($pester.Files | Sort-Object Seconds -Descending)) { Write-Host ('  {0,6:0.0} {1,6:0.0} {2,6:0.0}  {3,-8} {4}' -f $f.Seconds, $f.CpuSeconds, $f.OwnCpuSeconds, $f.Worker, $f.File) }
        Write-Host "Pester result files (NUnit XML per file): $results"
    }
    $skippedLanes = if ($SkipUnitTests) { ' (xunit and Mono skipped: -SkipUnitTests)' } elseif ($Fast) { ' (fast lane: xunit unit lane and the fast Pester files; Mono not run)' } else { '' }
    Write-Host "xunit: $($unit.Passed) passed, $($unit.Failed) failed, $($unit.Skipped) skipped; .NET Framework (Mono): $($netfx.Passed) passed, $($netfx.Failed) failed, $($netfx.Skipped) skipped; Pester: $($pester.Passed) passed, $($pester.Failed) failed, $($pester.Skipped) skipped$(if ($pester.FailedContainers) { ", $($pester.FailedContainers) files failed" })$skippedLanes"
    $problem = $null
    if (-not $unitLanesFinished) { $problem = 'the xunit and Mono lanes did not finish' }
    elseif ($failed -gt 0) { $problem = "$failed tests failed" }
    elseif ($pester.FailedContainers -gt 0 -or $pester.FailedBlocks -gt 0) { $problem = 'a Pester file or block failed' }
    elseif ($pester.Passed -eq 0 -or (-not $SkipUnitTests -and ($unit.Passed -eq 0 -or (-not $Fast -and $netfx.Passed -eq 0)))) { $problem = 'no tests ran' }
    if ($problem) { $failed = [Math]::Max($failed, 1) }
    if (-not $SkipUnitTests) { Write-Host "$(if ($Fast) { 'xunit starts' } else { 'xunit and Mono start' }) when the module is built and run beside the package, the help and Pester: lane times overlap." }
    Write-Host (Format-LaneTimes -Wall $total.Elapsed.TotalSeconds -Cpu ((Get-CpuSeconds) - $totalCpu) -OwnCpu ((Get-CpuSeconds -Own) - $ownCpu))
    if ($problem) { Write-Host "Test run failed: $problem." }
    Write-Host "$passed passed, $failed failed"
    if ($problem) { exit 1 }
}

function Invoke-Demo {
    Invoke-Bootstrap
    Invoke-Package
    $pwsh = Join-Path $PSHOME 'pwsh'
    & $pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'tests/Demo/Invoke-Demo.ps1') -ModuleRoot $ModuleRoot
    if ($LASTEXITCODE -ne 0) { throw "The demo failed (exit code $LASTEXITCODE)." }
}

function Invoke-Bench {
    Invoke-Bootstrap
    Invoke-Package
    # In the compiled pwsh the tests use: users' pwsh (PowerShell's release builds) is compiled ahead of time too, so an
    # import ratio against the tool's slower JIT start would flatter the module. Invoke-Benchmarks.ps1 also measures
    # the two starts side by side (-ToolPwshHome).
    $pwsh = Join-Path (Get-TestPwshHome -RepositoryRoot $Root) 'pwsh'
    foreach ($bench in 'Invoke-Benchmarks.ps1', 'AccessToken.ps1') {
        $benchArgs = @('-NoProfile', '-NonInteractive', '-File', (Join-Path $Root "bench/$bench"), '-ModuleRoot', $ModuleRoot)
        if ($bench -eq 'Invoke-Benchmarks.ps1') { $benchArgs += @('-ToolPwshHome', $PSHOME) }
        & $pwsh @benchArgs
        if ($LASTEXITCODE -ne 0) { throw "The benchmark $bench failed (exit code $LASTEXITCODE)." }
    }
}

function Invoke-Publish {
    Invoke-Package
    Invoke-Step Publish {
        Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Stop
        if ($Repository) {
            Publish-PSResource -Path $ModuleRoot -Repository $Repository
            Write-Host "Published PfaAzureDevOps $Version to $Repository."
            return
        }
        $packages = Join-Path $OutRoot 'packages'
        New-Item -ItemType Directory -Path $packages -Force | Out-Null
        $nupkg = Join-Path $packages "PfaAzureDevOps.$Version.nupkg"
        if (Test-Path $nupkg) { Remove-Item $nupkg -Force }
        # A temporary file repository over out/packages, removed again.
        $name = 'PfaAzureDevOpsBuild' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        Register-PSResourceRepository -Name $name -Uri $packages -Trusted
        try { Publish-PSResource -Path $ModuleRoot -Repository $name }
        finally { Unregister-PSResourceRepository -Name $name }
        if (-not (Test-Path $nupkg)) { throw "Publish-PSResource did not write $nupkg." }
        Write-Host "Package: $nupkg"
    }
}

foreach ($t in $Task) {
    switch ($t) {
        'Clean' { if (Test-Path $OutRoot) { Remove-Item $OutRoot -Recurse -Force } }
        'Bootstrap' { Invoke-Bootstrap }
        'Build' { Invoke-Build }
        'Docs' { Invoke-Package }
        'Package' { Invoke-Package }
        'Publish' { Invoke-Publish }
        'Test' { Invoke-Test }
        'Demo' { Invoke-Demo }
        'Bench' { Invoke-Bench }
    }
}
