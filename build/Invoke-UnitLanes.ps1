<#
.SYNOPSIS
    The xunit lane and then the Mono lane of ./build.ps1 Test, in a pwsh of their own beside the rest of the run.

.DESCRIPTION
    build.ps1 starts this as soon as the module is built, so the test projects build and xunit runs while the package
    and the help are made (one core is mostly idle then) and then beside Pester. The test projects build against the
    engine alone, but both lanes' tests read the packaged dependencies/netfx, so they wait for the file PackageDone
    names, which build.ps1 writes when the package is complete (and give up when build.ps1 is gone).
    Writes everything it and its children print to Log, and, last, Result: a JSON of each lane's counts, wall and CPU
    seconds (this process and the children it waited for, from /proc/self/stat; the process's own CPU elsewhere).
#>
param(
    [Parameter(Mandatory)] [string] $RepositoryRoot,
    [Parameter(Mandatory)] [string] $ModuleRoot,
    [Parameter(Mandatory)] [string] $Configuration,
    [Parameter(Mandatory)] [string] $Version,
    [Parameter(Mandatory)] [string] $PackageDone,
    [Parameter(Mandatory)] [string] $Result,
    [Parameter(Mandatory)] [int] $ParentId,
    # The fast lane: xunit's unit lane only (no servers, no child processes), and no Mono lane.
    [switch] $Fast,
    # The whole solution is built already (./build.ps1 Build Test): build no test project.
    [switch] $NoBuild
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $RepositoryRoot 'build/BuildTools.psm1') -Force

$lanes = [ordered]@{}
function Measure-UnitLane([string] $Name, [scriptblock] $Body) {
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $cpu = Get-CpuSeconds
    $counts = $null
    try { $counts = & $Body }
    catch { Write-Host "The $Name lane stopped: $_"; $counts = [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }
    $lanes[$Name] = [pscustomobject]@{
        Passed = $counts.Passed; Failed = $counts.Failed; Skipped = $counts.Skipped
        Seconds = [Math]::Round($watch.Elapsed.TotalSeconds, 1); CpuSeconds = [Math]::Round((Get-CpuSeconds) - $cpu, 1)
    }
}

function Build-TestProject([string] $Project) {
    if ($NoBuild) { return }
    # --no-dependencies: the module's outputs, which build.ps1 is packaging and Pester's workers may be loading, are
    # not touched (build.ps1 built them before it started this).
    Write-Host "==> Build ($(Split-Path $Project -Leaf))"
    & dotnet build $Project -c $Configuration "-p:Version=$Version" --nologo --verbosity quiet --no-dependencies | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "dotnet build $Project failed with exit code $LASTEXITCODE." }
}

function Wait-Package {
    <# Until build.ps1 says the package is complete (the tests read it); gives up when build.ps1 is gone. #>
    while (-not (Test-Path -LiteralPath $PackageDone)) {
        if (-not (Get-Process -Id $ParentId -ErrorAction Ignore)) { throw 'build.ps1 stopped before the package was made.' }
        Start-Sleep -Milliseconds 200
    }
}

Measure-UnitLane 'xunit' {
    $project = Join-Path $RepositoryRoot 'tests/PfaAzureDevOps.Core.Tests'
    Build-TestProject $project
    $filter = $null
    if ($Fast) { $filter = 'Lane!=Integration'; $env:PFA_TEST_LANE = 'Unit' }
    # DependencyClosureTests read the packaged dependencies/netfx, which build.ps1 deletes and writes again meanwhile.
    Wait-Package
    try { Invoke-XunitTests -Project $project -Configuration $Configuration -Version $Version -Filter $filter }
    finally { Remove-Item Env:PFA_TEST_LANE -ErrorAction Ignore }
}

if (-not $Fast) {
    Measure-UnitLane 'Mono' {
        $project = Join-Path $RepositoryRoot 'tests/PfaAzureDevOps.NetFx.Tests'
        Build-TestProject $project
        # The engine as Windows PowerShell 5.1 loads it: net472 on Mono, against the packaged dependencies/netfx.
        Wait-Package
        Invoke-NetFxTests -RepositoryRoot $RepositoryRoot -ModuleRoot $ModuleRoot -Configuration $Configuration -Version $Version -ResultDirectory (Split-Path $Result)
    }
}

$lanes | ConvertTo-Json | Set-Content -LiteralPath "$Result.tmp" -Encoding utf8
Move-Item -LiteralPath "$Result.tmp" -Destination $Result -Force
exit 0
