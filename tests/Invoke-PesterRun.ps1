<#
.SYNOPSIS
    Runs the Pester suite in this (fresh) pwsh against the packaged module, and writes the counts as JSON.
#>
param(
    [Parameter(Mandatory)] [string] $PesterManifest,
    [Parameter(Mandatory)] [string] $ModuleRoot,
    [Parameter(Mandatory)] [string] $SummaryPath,
    [string] $Path
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterManifest -Force

# The packaged module is found by name, as users find it: its out/ folder goes first on PSModulePath.
$moduleBase = Split-Path (Split-Path $ModuleRoot -Parent) -Parent
$env:PSModulePath = $moduleBase + [IO.Path]::PathSeparator + $env:PSModulePath
$env:PFA_TEST_MODULE_MANIFEST = Join-Path $ModuleRoot 'PfaAzureDevOps.psd1'
$env:PFA_TEST_REPOSITORY = Split-Path $PSScriptRoot -Parent

$config = New-PesterConfiguration
$config.Run.Path = if ($Path) { @($Path -split ',' | ForEach-Object { if (Test-Path $_) { $_ } else { Join-Path $PSScriptRoot "Pester/$_" } }) } else { @(Join-Path $PSScriptRoot 'Pester') }
$config.Run.PassThru = $true
$config.Run.Exit = $false
$config.Output.Verbosity = 'Detailed'
$config.Output.RenderMode = 'Plaintext'
$config.TestResult.Enabled = $true
$config.TestResult.OutputPath = Join-Path ([IO.Path]::GetTempPath()) 'pfa-pester-results.xml'
$config.Should.ErrorAction = 'Stop'

$result = Invoke-Pester -Configuration $config
$failedContainers = @($result.Containers | Where-Object { $_.Result -eq 'Failed' }).Count
[pscustomobject]@{
    Passed           = $result.PassedCount
    Failed           = $result.FailedCount
    Skipped          = $result.SkippedCount
    FailedContainers = $failedContainers
    FailedBlocks     = $result.FailedBlocksCount
} | ConvertTo-Json | Set-Content -Path $SummaryPath -Encoding utf8
if ($result.FailedCount -gt 0 -or $failedContainers -gt 0 -or $result.FailedBlocksCount -gt 0) { exit 1 }
exit 0
