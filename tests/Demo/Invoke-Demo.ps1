<#
.SYNOPSIS
    The README's main job: the walkthrough of the product documentation against the local Azure DevOps.
    Everything it starts (the emulator, its sshd) it stops; all state lives in a temporary folder.
#>
param([Parameter(Mandatory)] [string] $ModuleRoot)
$ErrorActionPreference = 'Stop'
$repo = Split-Path (Split-Path $PSScriptRoot -Parent) -Parent
Import-Module (Join-Path $repo 'tests/TestHelpers/LocalAzureDevOps.psm1') -Force
Import-Module (Join-Path $ModuleRoot 'PfaAzureDevOps.psd1') -Force

function Step([string] $Text) { Write-Host ''; Write-Host "### $Text" -ForegroundColor Cyan }
function Show([string] $Command) { Write-Host "PS> $Command" -ForegroundColor Yellow }

$stateHome = Join-Path ([IO.Path]::GetTempPath()) ('pfa-demo-' + [guid]::NewGuid().ToString('N'))
$env:PFA_AZUREDEVOPS_HOME = $stateHome
$ado = $null
try {
    Step 'Starting a local Azure DevOps (emulator on 127.0.0.1)'
    $ado = Start-LocalAzureDevOps
    Write-Host "Azure DevOps: $($ado.HttpsUrl) (HTTP $($ado.HttpUrl)); state folder: $stateHome"
    $instance = 'https://pfa.example.com'

    Step 'Admin phase, step 1: what to enter on the Azure DevOps registration page'
    Show "Open-PfaAzureDevOpsAppRegistrationPage -InstanceUrl $instance -Provider AzureDevOps -CompanyName 'Sample Corp' -NoBrowser"
    $guide = Open-PfaAzureDevOpsAppRegistrationPage -InstanceUrl $instance -Provider AzureDevOps -CompanyName 'Sample Corp' -NoBrowser -WarningAction SilentlyContinue
    $guide | Format-List | Out-Host

    Step 'Admin phase, step 2: the application is created on Azure DevOps (here through the emulator)'
    $app = Invoke-LocalAzureDevOpsControl -Instance $ado -Method POST -Path '/_test/apps' -Body @{
        name = $guide.ApplicationName; callbackUrl = $guide.AuthorizationCallbackUrl.AbsoluteUri; scopes = 'vso.code_write'
        secretExpiresOn = (Get-Date).ToUniversalTime().AddDays(60).ToString('o')
    }
    Write-Host "App ID: $($app.id); client secret: (shown once on the page; not printed here)"

    Step 'Admin phase, step 3: store the app ID and client secret in the instance (AllUsers, as root)'
    Show "Register-PfaAzureDevOpsApp -InstanceUrl $instance -ClientId $($app.id) -ClientSecret `$secret -SecretExpiresOn ... -AuthorizationServer $($ado.HttpsUrl) -PassThru"
    $secret = ConvertTo-SecureString $app.clientSecret -AsPlainText -Force
    $app.clientSecret = $null
    Register-PfaAzureDevOpsApp -InstanceUrl $instance -ClientId $app.id -ClientSecret $secret -SecretExpiresOn ([DateTimeOffset]$app.secretExpiresOn) -AuthorizationServer $ado.HttpsUrl -PassThru | Format-List | Out-Host

    Step 'Admin phase, step 4: check it (the secret is never shown)'
    Show 'Get-PfaAzureDevOpsApp'
    Get-PfaAzureDevOpsApp | Format-List | Out-Host

    Write-Host ''
    Write-Host 'Demo finished: the admin phase is complete.' -ForegroundColor Green
}
finally {
    if ($ado) { Stop-LocalAzureDevOps -Instance $ado }
    if (Test-Path $stateHome) { Remove-Item $stateHome -Recurse -Force }
}
