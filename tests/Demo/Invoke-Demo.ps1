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
    Step 'Starting a local Azure DevOps (emulator on 127.0.0.1) and its sshd for git over SSH'
    # -AllowHttpCallbacks: like Azure DevOps Server, accept an http callback on this machine, where the demo's
    # Pipelines for Applications "instance" is: Connect-PfaAzureDevOps receives the browser's redirect there itself.
    $ado = Start-LocalAzureDevOps -AllowHttpCallbacks -WithSsh
    Write-Host "Azure DevOps: $($ado.HttpsUrl) (HTTP $($ado.HttpUrl)); SSH: 127.0.0.1:$($ado.SshPort) (host key $($ado.SshHostKeyFingerprint)); state folder: $stateHome"
    $portProbe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $portProbe.Start(); $instancePort = $portProbe.LocalEndpoint.Port; $portProbe.Stop()
    $instance = "http://127.0.0.1:$instancePort"
    Invoke-LocalAzureDevOpsControl -Instance $ado -Method POST -Path '/_test/orgs' -Body @{ name = 'samplecorp' } | Out-Null
    Invoke-LocalAzureDevOpsControl -Instance $ado -Method POST -Path '/_test/orgs/samplecorp/repos' -Body @{ project = 'Modules'; repo = 'puppet-base' } | Out-Null
    # On the service this is git@ssh.dev.azure.com:v3/samplecorp/Modules/puppet-base (host key built in).
    $repositoryUrl = "ssh://$($ado.SshUser)@127.0.0.1:$($ado.SshPort)/v3/samplecorp/Modules/puppet-base"

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
    Show "Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl $instance -ClientId $($app.id) -ClientSecret `$secret -SecretExpiresOn ... -AuthorizationServer $($ado.HttpsUrl) -PassThru"
    $secret = ConvertTo-SecureString $app.clientSecret -AsPlainText -Force
    $app.clientSecret = $null
    Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl $instance -ClientId $app.id -ClientSecret $secret -SecretExpiresOn ([DateTimeOffset]$app.secretExpiresOn) -AuthorizationServer $ado.HttpsUrl -PassThru | Format-List | Out-Host

    Step 'Admin phase, step 4: check it (the secret is never shown)'
    Show 'Get-PfaAzureDevOpsApp'
    Get-PfaAzureDevOpsApp | Format-List | Out-Host

    Step 'User phase, step 1: Connect Azure DevOps Account (a headless Chromium clicks Accept on the consent page)'
    # The user's session: a separate pwsh that trusts the local Azure DevOps certificate through SSL_CERT_FILE
    # (no certificate check is ever turned off) and whose $env:BROWSER is the headless browser driver.
    Show 'Connect-PfaAzureDevOps -Organization samplecorp -PassThru'
    $userScript = @'
$ErrorActionPreference = 'Stop'
Import-Module $env:PFA_DEMO_MODULE
Connect-PfaAzureDevOps -Organization samplecorp -TimeoutSeconds 120 -PassThru -WarningAction SilentlyContinue | Format-List | Out-Host
Write-Host 'PS> Get-PfaAzureDevOpsConnection' -ForegroundColor Yellow
Get-PfaAzureDevOpsConnection | Format-List | Out-Host
$token = Get-PfaAzureDevOpsAccessToken
Write-Host "PS> Get-PfaAzureDevOpsAccessToken  # a SecureString of $($token.Length) characters, never printed" -ForegroundColor Yellow

function Show([string] $Command) { Write-Host ''; Write-Host "PS> $Command" -ForegroundColor Yellow }
$url = $env:PFA_DEMO_REPOSITORY_URL
$hostKey = $env:PFA_DEMO_HOST_KEY
Write-Host ''
Write-Host '### User phase, step 2: an SSH key, added to Azure DevOps' -ForegroundColor Cyan
Show 'New-PfaSshKey    # RSA 4096, the only type Azure DevOps accepts'
New-PfaSshKey -WarningAction SilentlyContinue
Show 'Get-PfaSshPublicKey'
Get-PfaSshPublicKey | Format-List | Out-Host
Show 'Get-PfaSshPublicKey | Add-AzDevOpsSshKey -PassThru'
Get-PfaSshPublicKey | Add-AzDevOpsSshKey -PassThru | Format-List | Out-Host
Show 'Get-AzDevOpsSshKey'
Get-AzDevOpsSshKey | Format-List | Out-Host

Write-Host '### User phase, step 3: clone access over SSH' -ForegroundColor Cyan
Show "Test-PfaAzureDevOpsSshAccess $url -HostKeyFingerprint $hostKey"
Test-PfaAzureDevOpsSshAccess $url -HostKeyFingerprint $hostKey | Format-List | Out-Host
$destination = Join-Path $env:PFA_AZUREDEVOPS_HOME 'puppet-base'
Show "Copy-PfaAzureDevOpsRepository $url $destination -HostKeyFingerprint $hostKey"
Copy-PfaAzureDevOpsRepository $url $destination -HostKeyFingerprint $hostKey | Format-List | Out-Host
Get-ChildItem $destination | Format-Table Mode, Length, Name | Out-Host

Write-Host '### User phase, step 4: check the whole integration' -ForegroundColor Cyan
Show "Test-PfaAzureDevOpsIntegration -RepositoryUrl $url -HostKeyFingerprint $hostKey"
$checks = Test-PfaAzureDevOpsIntegration -RepositoryUrl $url -HostKeyFingerprint $hostKey
$checks | Format-Table -Wrap | Out-Host
$failed = @($checks | Where-Object Result -EQ 'Fail')
if ($failed) { throw "Integration checks failed: $(($failed | ForEach-Object { $_.Name }) -join ', ')" }

Write-Host '### User phase, step 5: rotate the SSH key without downtime' -ForegroundColor Cyan
Show "Update-PfaSshKey $url -HostKeyFingerprint $hostKey -WhatIf    # the plan"
Update-PfaSshKey $url -HostKeyFingerprint $hostKey -WhatIf
Show "Update-PfaSshKey $url -HostKeyFingerprint $hostKey    # new key added, proven, in use; old key removed"
Update-PfaSshKey $url -HostKeyFingerprint $hostKey | Format-List | Out-Host
Show 'Get-AzDevOpsSshKey'
Get-AzDevOpsSshKey | Format-List | Out-Host
Show "Update-PfaAzureDevOpsRepository $destination -HostKeyFingerprint $hostKey    # the clone fetches with the new key"
Update-PfaAzureDevOpsRepository $destination -HostKeyFingerprint $hostKey | Format-List | Out-Host
'@
    $userEnvironment = @{
        SSL_CERT_FILE          = $ado.CertificatePath
        BROWSER                = "node $(Join-Path $repo 'tests/Browser/consent.mjs')"
        PFA_TEST_SPKI_SHA256   = $ado.CertificateSpkiSha256
        PFA_DEMO_MODULE        = (Join-Path $ModuleRoot 'PfaAzureDevOps.psd1')
        PFA_DEMO_REPOSITORY_URL = $repositoryUrl
        PFA_DEMO_HOST_KEY      = $ado.SshHostKeyFingerprint
    }
    $savedEnvironment = @{}
    foreach ($key in $userEnvironment.Keys) { $savedEnvironment[$key] = [Environment]::GetEnvironmentVariable($key); [Environment]::SetEnvironmentVariable($key, $userEnvironment[$key]) }
    try {
        & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command $userScript
        if ($LASTEXITCODE -ne 0) { throw "The user's phase failed (exit code $LASTEXITCODE)." }
    }
    finally {
        foreach ($key in $savedEnvironment.Keys) { [Environment]::SetEnvironmentVariable($key, $savedEnvironment[$key]) }
    }

    Write-Host ''
    Write-Host 'Demo finished: the app is registered; the user connected, added an SSH key to Azure DevOps, cloned, every integration check passed, and the key was rotated without downtime.' -ForegroundColor Green
}
finally {
    if ($ado) { Stop-LocalAzureDevOps -Instance $ado }
    if (Test-Path $stateHome) { Remove-Item $stateHome -Recurse -Force }
}
