Set-StrictMode -Version 3.0

# The emulator's launcher, re-exported below: a file that imports this module needs no other import.
Import-Module (Join-Path $PSScriptRoot 'LocalAzureDevOps.psm1')

# The sessions Enter-TestSession opened and Exit-TestSession has not closed yet, innermost last (a Describe may open
# its own inside a file's). Control talks to the innermost one's emulator; New-TestStateHome's folders are removed
# when the innermost session exits.
$script:Sessions = [System.Collections.Generic.List[object]]::new()
$script:SavedVariables = 'CI', 'TF_BUILD', 'PFA_AZUREDEVOPS_HOME', 'PFA_AZUREDEVOPS_ALLUSERS_HOME'

function Get-TestModuleManifest {
    if (-not $env:PFA_TEST_MODULE_MANIFEST) { throw 'PFA_TEST_MODULE_MANIFEST is not set: run the tests through ./build.ps1 Test.' }
    return $env:PFA_TEST_MODULE_MANIFEST
}

function New-TestStateHome {
    <# A fresh, empty state folder; PFA_AZUREDEVOPS_HOME points at it for this process and its children. #>
    $path = Join-Path ([IO.Path]::GetTempPath()) ('pfa-test-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $path | Out-Null
    $env:PFA_AZUREDEVOPS_HOME = $path
    if ($script:Sessions.Count) { $script:Sessions[$script:Sessions.Count - 1].Homes.Add($path) }
    return $path
}

function Enter-TestSession {
    <#
    The BeforeAll a Pester file starts with: imports the packaged module, saves CI, TF_BUILD, PFA_AZUREDEVOPS_HOME and
    PFA_AZUREDEVOPS_ALLUSERS_HOME (Exit-TestSession puts them back), sets CI=true so this process never prompts, and
    on request makes a fresh state home (-StateHome) and starts the local Azure DevOps (-LocalAzureDevOps; -WithSsh
    and -AllowHttpCallbacks as Start-LocalAzureDevOps takes them). Returns the session: Ado (the emulator, or $null),
    StateHome, and Homes (every state home New-TestStateHome made while it is open; Exit-TestSession removes them).
    Pair it with Exit-TestSession in the AfterAll of the same block.
    #>
    [CmdletBinding()]
    param([switch] $LocalAzureDevOps, [switch] $WithSsh, [switch] $AllowHttpCallbacks, [switch] $StateHome)
    Import-Module PfaAzureDevOps -Force -Global
    $saved = @{}
    foreach ($name in $script:SavedVariables) { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
    $session = [pscustomobject]@{ Ado = $null; StateHome = $null; Homes = [System.Collections.Generic.List[string]]::new(); Saved = $saved }
    $script:Sessions.Add($session)
    $env:CI = 'true'
    if ($StateHome) { $session.StateHome = New-TestStateHome }
    if ($LocalAzureDevOps -or $WithSsh -or $AllowHttpCallbacks) {
        # In a Pester worker (tests/Invoke-PesterRun.ps1 sets PFA_TEST_REPOSITORY) the files share the worker's emulator,
        # reset to the state of a fresh start for each session (Get-WorkerAzureDevOps): a start and the JIT of its
        # endpoints cost about 1 to 2 CPU s a file. A nested session, or one outside a worker, starts its own.
        if ($env:PFA_TEST_REPOSITORY) { $session.Ado = Get-WorkerAzureDevOps -WithSsh:$WithSsh -AllowHttpCallbacks:$AllowHttpCallbacks }
        if (-not $session.Ado) { $session.Ado = Start-LocalAzureDevOps -WithSsh:$WithSsh -AllowHttpCallbacks:$AllowHttpCallbacks }
    }
    $session
}

function Exit-TestSession {
    <#
    The AfterAll that goes with Enter-TestSession: stops the innermost session's emulator (gives the worker's shared one
    back: the next session resets it, the worker stops it at its end), removes its state homes and puts the saved
    environment back.
    #>
    [CmdletBinding()]
    param()
    if (-not $script:Sessions.Count) { return }
    $session = $script:Sessions[$script:Sessions.Count - 1]
    $script:Sessions.RemoveAt($script:Sessions.Count - 1)
    try { if ($session.Ado) { Stop-LocalAzureDevOps -Instance $session.Ado } }
    finally {
        foreach ($path in $session.Homes) { Remove-Item -LiteralPath $path -Recurse -Force -ErrorAction Ignore }
        foreach ($name in $session.Saved.Keys) { [Environment]::SetEnvironmentVariable($name, $session.Saved[$name]) }
    }
}

function Get-TestAzureDevOps {
    <# The innermost session's emulator (what Enter-TestSession -LocalAzureDevOps started). #>
    for ($i = $script:Sessions.Count - 1; $i -ge 0; $i--) { if ($script:Sessions[$i].Ado) { return $script:Sessions[$i].Ado } }
    throw 'No local Azure DevOps: call Enter-TestSession -LocalAzureDevOps in the BeforeAll first.'
}

function Control {
    <# The emulator's control API (paths under /_test) of the innermost session: Control POST /_test/orgs @{ name = 'org1' }. #>
    param([string] $Method = 'GET', [string] $Path, $Body)
    $ado = Get-TestAzureDevOps
    if ($PSBoundParameters.ContainsKey('Body')) { Invoke-LocalAzureDevOpsControl -Instance $ado -Method $Method -Path $Path -Body $Body }
    else { Invoke-LocalAzureDevOpsControl -Instance $ado -Method $Method -Path $Path }
}

function Register-TestApp {
    <#
    The administrator's part against the session's emulator: an OAuth app there (unless -App gives one) registered for
    https://pfa.example.test in this state home (CurrentUser, the emulator's HTTP origin, the secret valid 60 more days).
    Returns the emulator's app (id, clientSecret).
    #>
    param($App)
    $ado = Get-TestAzureDevOps
    if (-not $App) { $App = Control POST '/_test/apps' @{ name = 'PFA'; callbackUrl = 'https://pfa.example.test/oauth2/azureDevOps'; scopes = 'vso.code_write' } }
    Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa.example.test' -ClientId $App.id -ClientSecret (ConvertTo-SecureString $App.clientSecret -AsPlainText -Force) `
        -AuthorizationServer $ado.HttpUrl -Scope CurrentUser -SecretExpiresOn ([DateTimeOffset]::UtcNow.AddDays(60)) -Force -WarningAction SilentlyContinue | Out-Null
    $App
}

function Get-TestConsentRedirect {
    <#
    Answers the emulator's consent page as the browser's form does and returns where Azure DevOps redirects (the
    callback address with the code). -AuthorizeUrl: the sign-in link; without it, the paste path starts one in this
    process (Connect-PfaAzureDevOps -NoBrowser). Throws when there is no link, no consent form or no redirect.
    #>
    param([string] $AuthorizeUrl, [string] $Decision = 'accept')
    $ado = Get-TestAzureDevOps
    if (-not $AuthorizeUrl) {
        Connect-PfaAzureDevOps -NoBrowser -InformationVariable info -InformationAction SilentlyContinue | Out-Null
        $links = @($info | ForEach-Object { "$_" } | Where-Object { $_ -match '^https?://\S+/oauth2/authorize\?' })
        if ($links.Count -ne 1) { throw "Connect-PfaAzureDevOps -NoBrowser showed $($links.Count) sign-in links, not 1: $($info -join ' | ')" }
        $AuthorizeUrl = $links[0]
    }
    $page = Invoke-WebRequest -Uri $AuthorizeUrl.Replace($ado.HttpsUrl, $ado.HttpUrl) -NoProxy
    if ($page.Content -notmatch 'name="consentId" value="([^"]+)"') { throw "The consent page has no consent form: $($page.Content)" }
    $answer = Invoke-WebRequest -Uri "$($ado.HttpUrl)/oauth2/authorize" -Method Post -NoProxy -MaximumRedirection 0 -SkipHttpErrorCheck -ErrorAction SilentlyContinue `
        -ContentType 'application/x-www-form-urlencoded' -Body "consentId=$([uri]::EscapeDataString($Matches[1]))&decision=$Decision"
    if ($answer.StatusCode -ne 302) { throw "The consent answer was $($answer.StatusCode), not a redirect (302)." }
    [string]$answer.Headers.Location[0]
}

function Connect-TestUser {
    <# The user's part through the paste path, in this process: consent, then Connect-PfaAzureDevOps -CallbackUri to the organization on the emulator's HTTP origin. #>
    param([string] $Organization = 'samplecorp')
    $ado = Get-TestAzureDevOps
    Connect-PfaAzureDevOps -CallbackUri (Get-TestConsentRedirect) -Organization $Organization -OrganizationUrl "$($ado.HttpUrl)/$Organization" -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
}

function Remove-TestStateHome([string] $Path) {
    if ($Path -and (Test-Path $Path)) { Remove-Item $Path -Recurse -Force }
}

function Invoke-FreshPwsh {
    <#
    Runs a script block's text in a brand-new pwsh (so nothing of this session is loaded there) and returns
    its exit code and output. $args of the child are the -ArgumentList values.
    #>
    param([Parameter(Mandatory)] [string] $Script, [string[]] $ArgumentList = @(), [hashtable] $Environment = @{}, [int] $TimeoutSeconds = 120)
    $file = Join-Path ([IO.Path]::GetTempPath()) ('pfa-child-' + [guid]::NewGuid().ToString('N') + '.ps1')
    Set-Content -Path $file -Value $Script -Encoding utf8
    $saved = @{}
    try {
        foreach ($key in $Environment.Keys) { $saved[$key] = [Environment]::GetEnvironmentVariable($key); [Environment]::SetEnvironmentVariable($key, $Environment[$key]) }
        $pwsh = Join-Path $PSHOME 'pwsh'
        $output = & $pwsh -NoProfile -NonInteractive -File $file @ArgumentList 2>&1 | ForEach-Object { "$_" }
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = @($output); Text = ($output -join "`n") }
    }
    finally {
        foreach ($key in $saved.Keys) { [Environment]::SetEnvironmentVariable($key, $saved[$key]) }
        Remove-Item $file -Force -ErrorAction Ignore
    }
}

function New-TestSecret {
    <# A random secret and its SecureString form, so tests can search every stream and file for it. #>
    $plain = 'pfa-secret-' + [guid]::NewGuid().ToString('N')
    [pscustomobject]@{ Plain = $plain; Secure = (ConvertTo-SecureString $plain -AsPlainText -Force) }
}

function Get-UnixMode([string] $Path) {
    return [Convert]::ToString([int](Get-Item $Path -Force).UnixFileMode, 8)
}

Export-ModuleMember -Function Get-TestModuleManifest, New-TestStateHome, Remove-TestStateHome, Invoke-FreshPwsh, New-TestSecret, Get-UnixMode,
    Enter-TestSession, Exit-TestSession, Get-TestAzureDevOps, Control, Register-TestApp, Get-TestConsentRedirect, Connect-TestUser,
    Start-LocalAzureDevOps, Stop-LocalAzureDevOps, Get-WorkerAzureDevOps, Stop-WorkerAzureDevOps, Invoke-LocalAzureDevOpsControl, Start-LocalSshd
