#requires -Modules Pester
# Connect-PfaAzureDevOps and the token life cycle against the local Azure DevOps (tests/AzureDevOpsEmulator).
# In this process the module talks to the emulator's HTTP origin (http is allowed for loopback servers); the
# end-to-end browser sign-in and the secret scan run child pwsh processes that reach its HTTPS origin and trust its
# certificate only through SSL_CERT_FILE; the multi-process tests' children use the HTTP origin this process connected
# through. Nothing here disables certificate validation. A process killed while refreshing: SessionKill.Tests, item 15
# (its own Describe, needing only Linux: no sshd, git, ssh-keygen or root).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers/TestHelpers.psm1') -Force
    $script:Session = Enter-TestSession -LocalAzureDevOps -AllowHttpCallbacks   # CI=true: this process never prompts
    $script:Ado = $Session.Ado
    $script:Repo = Split-Path (Split-Path $PSScriptRoot -Parent) -Parent
    $script:Pwsh = Join-Path $PSHOME 'pwsh'
    $script:Consent = Join-Path $Repo 'tests/Browser/consent.mjs'
    Control POST '/_test/orgs' @{ name = 'org1' } | Out-Null
    $script:Org = (Control GET '/_test/orgs') | Where-Object name -EQ 'org1'

    function script:Get-FreePort {
        $listener = [System.Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $port
    }

    # An application on the emulator and its registration in this test's state (CurrentUser).
    # -Loopback: the instance is http://127.0.0.1:<port> (Connect listens there itself); else https://pfa.example.test (paste path).
    function script:New-TestApp([switch] $Loopback, [switch] $Https, [string] $StoreSecret) {
        $instance = if ($Loopback) { "http://127.0.0.1:$(Get-FreePort)" } else { 'https://pfa.example.test' }
        $app = Control POST '/_test/apps' @{ name = 'PFA'; callbackUrl = "$instance/oauth2/azureDevOps"; scopes = 'vso.code_write' }
        $server = if ($Https) { $Ado.HttpsUrl } else { $Ado.HttpUrl }
        $secret = if ($StoreSecret) { $StoreSecret } else { $app.clientSecret }
        Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl $instance -ClientId $app.id -ClientSecret (ConvertTo-SecureString $secret -AsPlainText -Force) `
            -AuthorizationServer $server -Scope CurrentUser -WarningAction SilentlyContinue
        $app | Add-Member -NotePropertyName Instance -NotePropertyValue $instance -PassThru
    }

    # Starts a sign-in the way a script does (-NoBrowser in a non-interactive session) and returns the link.
    function script:Start-PasteSignIn {
        Connect-PfaAzureDevOps -NoBrowser -InformationVariable info -InformationAction SilentlyContinue | Out-Null
        $link = @($info | ForEach-Object { "$_" } | Where-Object { $_ -match '^https?://\S+/oauth2/authorize\?' })
        $link.Count | Should -Be 1
        $link[0]
    }

    # Connects in this process through the paste path.
    function script:Connect-ByPaste([string] $Organization = 'org1') {
        $redirect = Get-TestConsentRedirect (Start-PasteSignIn)
        Connect-PfaAzureDevOps -CallbackUri $redirect -Organization $Organization -OrganizationUrl "$($Ado.HttpUrl)/$Organization" -PassThru
    }

    # Makes the stored access token expire now (as if an hour had passed) so the next use must refresh.
    function script:Set-AccessTokenExpired {
        $path = Join-Path $env:PFA_AZUREDEVOPS_HOME 'CurrentUser/connection.json'
        $doc = Get-Content -Raw $path | ConvertFrom-Json
        $doc.accessTokenExpiresOn = [DateTimeOffset]::UtcNow.AddMinutes(-1).ToString('o')
        $doc | ConvertTo-Json -Depth 10 | Set-Content -Path $path -NoNewline
    }

    function script:Get-Counters { Control GET '/_test/counters' }

    function script:Invoke-Child([string] $Script, [hashtable] $Environment = @{}) {
        $env = @{ SSL_CERT_FILE = $Ado.CertificatePath; PFA_AZUREDEVOPS_HOME = $env:PFA_AZUREDEVOPS_HOME; CI = 'true' }
        foreach ($k in $Environment.Keys) { $env[$k] = $Environment[$k] }
        Invoke-FreshPwsh -Script $Script -Environment $env -TimeoutSeconds 180
    }

    # Runs $Body in this session with the given environment variables set (and puts them back after): the browser
    # tests whose point is not a fresh process run their Connect here instead of in a child pwsh.
    function script:Invoke-WithEnvironment([hashtable] $Environment, [scriptblock] $Body) {
        $saved = @{}
        foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
        try { & $Body }
        finally { foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) } }
    }

    function script:Get-StoredToken([string] $Kind) {
        $doc = Get-Content -Raw (Join-Path $env:PFA_AZUREDEVOPS_HOME 'CurrentUser/connection.json') | ConvertFrom-Json
        $name = if ($Kind -eq 'refresh') { $doc.refreshTokenSecret } else { $doc.accessTokenSecret }
        Get-Content -Raw (Join-Path $env:PFA_AZUREDEVOPS_HOME "CurrentUser/secrets/$name.bin")
    }
}

AfterAll { Exit-TestSession }

Describe 'Connect-PfaAzureDevOps through a real browser (headless Chromium)' {
    BeforeEach { $script:StateHome = New-TestStateHome }
    AfterEach { Remove-TestStateHome $script:StateHome }

    # One real sign-in (a child pwsh, node and Chromium: the costliest thing here) serves both what Accept shows and
    # what must never leak: the child signs in with -Verbose and -Debug under a transcript, every stream captured to a
    # file, reads and renews the token, and only after the transcript (debug off) prints its RESULT lines and calls
    # the REST API with the token.
    It 'Accept: the consent page, the loopback listener, the tokens and the profile, over HTTPS trusted through SSL_CERT_FILE; no token reaches an output stream, verbose or debug, a transcript, an error or any readable file' {
        $app = New-TestApp -Loopback -Https
        $log = Join-Path $StateHome 'browser.log'
        $transcript = Join-Path $StateHome 'transcript.txt'
        $streams = Join-Path $StateHome 'streams.txt'
        $result = Invoke-Child -Environment @{ BROWSER = "node $Consent"; PFA_TEST_SPKI_SHA256 = $Ado.CertificateSpkiSha256; PFA_TEST_BROWSER_LOG = $log } -Script @"
Import-Module PfaAzureDevOps
Start-Transcript -Path '$transcript' | Out-Null
`$DebugPreference = 'Continue'
& {
    `$script:c = Connect-PfaAzureDevOps -Organization org1 -TimeoutSeconds 90 -PassThru -Verbose -Debug
    `$script:c
    Get-PfaAzureDevOpsConnection -Verbose | Format-List * | Out-String
    Get-PfaAzureDevOpsConnection | ConvertTo-Json -Depth 5
    Get-PfaAzureDevOpsAccessToken -Verbose -Debug
    Get-PfaAzureDevOpsAccessToken -ForceRefresh -Verbose -Debug
    Get-PfaAzureDevOpsAccessToken -ForceRefresh -Verbose -Debug | ConvertFrom-SecureString -ErrorAction SilentlyContinue | Out-Null
} *>&1 | Out-String | Set-Content -Path '$streams'
`$Error | Out-String | Add-Content -Path '$streams'
Stop-Transcript | Out-Null
`$DebugPreference = 'SilentlyContinue'
`$ErrorActionPreference = 'Stop'
"RESULT user=`$(`$c.UserDisplayName) org=`$(`$c.Organization) orgId=`$(`$c.OrganizationId) valid=`$(`$c.AccessTokenValid)"
`$t = Get-PfaAzureDevOpsAccessToken -AsPlainText
`$repos = Invoke-RestMethod -Uri '$($Ado.HttpsUrl)/org1/_apis/connectionData' -Headers @{ Authorization = "Bearer `$t" }
"RESULT instance=`$(`$repos.instanceId)"
"@
        $result.ExitCode | Should -Be 0 -Because ($result.Text + "`n" + (Get-Content -Raw $log -ErrorAction Ignore))
        $result.Text | Should -Match "RESULT user=Test User org=org1 orgId=$($Org.instanceId) valid=True"
        $result.Text | Should -Match "RESULT instance=$($Org.instanceId)"
        (Get-Content -Raw $log) | Should -Match 'accept: the callback page loaded'
        $c = Get-PfaAzureDevOpsConnection
        $c.ClientId | Should -Be ([guid]$app.id)
        $c.OAuthScope | Should -Be @('vso.code_write')
        $c.AuthorizationServer.AbsoluteUri | Should -Be "$($Ado.HttpsUrl)/"
        $c.UserEmail | Should -Not -BeNullOrEmpty

        # Tokens never leak.
        $access = Get-StoredToken access
        $refresh = Get-StoredToken refresh
        $access.Length | Should -BeGreaterThan 20
        foreach ($secret in $access, $refresh, $app.clientSecret) {
            $needle = [regex]::Escape($secret)
            Get-Content -Raw $streams | Should -Not -Match $needle
            Get-Content -Raw $transcript | Should -Not -Match $needle
            $result.Text | Should -Not -Match $needle
            (Get-Content -Raw $streams) | Should -Match 'Test User'
            # Only the vault may hold a token: owner-only files in an owner-only folder.
            $holders = @(Get-ChildItem $StateHome -Recurse -File | Where-Object { (Get-Content -Raw $_.FullName -ErrorAction Ignore) -match $needle })
            $holders.Count | Should -BeGreaterThan 0
            foreach ($file in $holders) {
                $file.DirectoryName | Should -Be (Join-Path $StateHome 'CurrentUser/secrets')
                if ($IsLinux) { Get-UnixMode $file.FullName | Should -Be '600' }
            }
        }
        if ($IsLinux) {
            Get-UnixMode (Join-Path $StateHome 'CurrentUser/secrets') | Should -Be '700'
            Get-UnixMode (Join-Path $StateHome 'CurrentUser/connection.json') | Should -Be '600'
        }
    }

    # This and the next three run Connect in this session (the emulator's HTTP origin): what they check is the loopback
    # listener's answer to the browser, which a child pwsh (Accept, above, over HTTPS) adds nothing to.
    It 'Deny: a clear error id, nothing stored' {
        New-TestApp -Loopback | Out-Null
        $err = Invoke-WithEnvironment @{ BROWSER = "node $Consent"; PFA_TEST_CONSENT = 'deny' } {
            { Connect-PfaAzureDevOps -TimeoutSeconds 90 -InformationAction SilentlyContinue -ErrorAction Stop } |
                Should -Throw -ErrorId 'OAuthAccessDenied,PfaAzureDevOps.Commands.ConnectPfaAzureDevOpsCommand' -PassThru
        }
        $err.Exception.Message | Should -Match 'Access was denied.*click Accept'
        Get-PfaAzureDevOpsConnection | Should -BeNullOrEmpty
    }

    It 'a forged state reaching the loopback listener is refused, and the listener keeps waiting for the real answer' {
        $app = New-TestApp -Loopback
        # A "browser" that skips consent and calls the callback with a made-up state, then with the real state (and a made-up code).
        $forger = Join-Path $StateHome 'forge.mjs'
        $statuses = Join-Path $StateHome 'forge-statuses.txt'
        Set-Content -Path $forger -Value @"
import { appendFileSync } from 'node:fs';
const u = new URL(process.argv[2]);
const cb = u.searchParams.get('redirect_uri');
const forged = await fetch(cb + '?code=forged-code&state=forged-state').catch(() => null);
appendFileSync('$statuses', (forged ? forged.status : 'none') + '\n');
const real = await fetch(cb + '?code=forged-code&state=' + encodeURIComponent(u.searchParams.get('state'))).catch(() => null);
appendFileSync('$statuses', (real ? real.status : 'none') + '\n');
"@
        $err = Invoke-WithEnvironment @{ BROWSER = "node $forger" } {
            { Connect-PfaAzureDevOps -TimeoutSeconds 60 -InformationAction SilentlyContinue -ErrorAction Stop } | Should -Throw -PassThru
        }
        # The forged state got 400 and did not end the sign-in; the answer with the real state did (and its made-up code was refused).
        # Connect ends when the listener has answered the real state: the "browser" may still be writing that answer's
        # status (seen under load), so wait for its second line (at most 15 s) before reading.
        $wait = [Diagnostics.Stopwatch]::StartNew()
        while (@(Get-Content $statuses -ErrorAction Ignore).Count -lt 2 -and $wait.Elapsed.TotalSeconds -lt 15) { Start-Sleep -Milliseconds 50 }
        @(Get-Content $statuses) | Should -Be @('400', '200')
        $err.FullyQualifiedErrorId | Should -Match '^OAuthCode(Invalid|Expired),'
        Get-PfaAzureDevOpsConnection | Should -BeNullOrEmpty
    }

    It 'a non-interactive session without any browser fails at once instead of waiting' {
        New-TestApp -Loopback | Out-Null
        $sw = [Diagnostics.Stopwatch]::StartNew()
        Invoke-WithEnvironment @{ BROWSER = ''; DISPLAY = ''; WAYLAND_DISPLAY = '' } {
            { Connect-PfaAzureDevOps -TimeoutSeconds 60 -InformationAction SilentlyContinue -ErrorAction Stop } |
                Should -Throw -ErrorId 'BrowserUnavailable,PfaAzureDevOps.Commands.ConnectPfaAzureDevOpsCommand'
        }
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 5
    }

    It 'times out with a clear error when the browser never comes back' {
        New-TestApp -Loopback | Out-Null
        $err = Invoke-WithEnvironment @{ BROWSER = 'true' } {
            { Connect-PfaAzureDevOps -TimeoutSeconds 5 -InformationAction SilentlyContinue -ErrorAction Stop } |
                Should -Throw -ErrorId 'CallbackTimeout,PfaAzureDevOps.Commands.ConnectPfaAzureDevOpsCommand' -PassThru
        }
        $err.Exception.Message | Should -Match 'within 5 seconds'
    }
}

Describe 'Connect-PfaAzureDevOps: the paste path and its errors' {
    BeforeEach { $script:StateHome = New-TestStateHome }
    AfterEach { Remove-TestStateHome $script:StateHome }

    It 'a non-interactive session that would have to ask for the address fails at once' {
        New-TestApp | Out-Null
        $sw = [Diagnostics.Stopwatch]::StartNew()
        { Connect-PfaAzureDevOps -ErrorAction Stop } | Should -Throw -ErrorId 'CallbackAddressPromptUnavailable,PfaAzureDevOps.Commands.ConnectPfaAzureDevOpsCommand'
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 5
        Test-Path (Join-Path $StateHome 'CurrentUser/pending-authorization.json') | Should -BeFalse
    }

    It '-NoBrowser prints the link; -CallbackUri with the address the browser ended on connects' {
        $app = New-TestApp
        $link = Start-PasteSignIn
        $link | Should -Match "client_id=$($app.id)&response_type=Assertion&state=[A-Za-z0-9_-]{43}&scope=vso.code_write&redirect_uri=https%3A%2F%2Fpfa.example.test%2Foauth2%2FazureDevOps"
        $redirect = Get-TestConsentRedirect $link
        $redirect | Should -Match '^https://pfa.example.test/oauth2/azureDevOps\?code='
        $c = Connect-PfaAzureDevOps -CallbackUri $redirect -Organization org1 -PassThru
        $c | Should -BeOfType ([PfaAzureDevOps.PfaAzureDevOpsConnection])
        $c.UserDisplayName | Should -Be 'Test User'
        $c.Organization | Should -Be 'org1'
        $c.OrganizationUrl.AbsoluteUri | Should -Be "$($Ado.HttpUrl)/org1"
        $c.OrganizationId | Should -Be ([guid]$Org.instanceId)
        Test-Path (Join-Path $StateHome 'CurrentUser/pending-authorization.json') | Should -BeFalse
        # -Detailed shows what the connection's view shows: the expiry in minutes and UTC, the provider, no flow.
        $shown = Get-PfaAzureDevOpsAccessToken -Detailed | Format-List | Out-String
        $connection = Get-PfaAzureDevOpsConnection | Format-List | Out-String
        $shown | Should -Match '(?m)^ExpiresOn\s+: \d{4}-\d\d-\d\d \d\d:\d\d UTC\s*$'
        $shown | Should -Match '(?m)^Provider\s+: AzureDevOps\s*$'
        $connection | Should -Match '(?m)^Provider\s+: AzureDevOps\s*$'
        $shown | Should -Not -Match '(?m)^Flow\b'
        $connection | Should -Not -Match '(?m)^Flow\b'
        "$(Get-PfaAzureDevOpsAccessToken -Detailed)" | Should -Match '^Bearer token for Test User \(expires \d{4}-\d\d-\d\d \d\d:\d\d UTC\)$'
    }

    It 'each sign-in link has a fresh state' {
        New-TestApp | Out-Null
        $a = Start-PasteSignIn; $b = Start-PasteSignIn
        ([uri]$a).Query | Should -Not -Be ([uri]$b).Query
    }

    It 'a callback address with a forged state is refused' {
        New-TestApp | Out-Null
        $redirect = Get-TestConsentRedirect (Start-PasteSignIn)
        $forged = $redirect -replace 'state=[^&]+', 'state=forged'
        { Connect-PfaAzureDevOps -CallbackUri $forged -ErrorAction Stop } | Should -Throw -ErrorId 'OAuthStateMismatch,PfaAzureDevOps.Commands.ConnectPfaAzureDevOpsCommand'
        Get-PfaAzureDevOpsConnection | Should -BeNullOrEmpty
    }

    It 'Deny on the paste path gives OAuthAccessDenied' {
        New-TestApp | Out-Null
        $redirect = Get-TestConsentRedirect (Start-PasteSignIn) -Decision deny
        $redirect | Should -Match 'error=access_denied'
        { Connect-PfaAzureDevOps -CallbackUri $redirect -ErrorAction Stop } | Should -Throw -ErrorId 'OAuthAccessDenied,PfaAzureDevOps.Commands.ConnectPfaAzureDevOpsCommand'
    }

    It '-CallbackUri without a started sign-in says how to start one' {
        New-TestApp | Out-Null
        { Connect-PfaAzureDevOps -CallbackUri 'https://pfa.example.test/oauth2/azureDevOps?code=x&state=y' -ErrorAction Stop } |
            Should -Throw -ErrorId 'NoPendingAuthorization,PfaAzureDevOps.Commands.ConnectPfaAzureDevOpsCommand'
    }

    It 'a callback address of another site is refused' {
        New-TestApp | Out-Null
        Start-PasteSignIn | Out-Null
        { Connect-PfaAzureDevOps -CallbackUri 'https://evil.example.test/oauth2/azureDevOps?code=x&state=y' -ErrorAction Stop } |
            Should -Throw -ErrorId 'CallbackUriMismatch,PfaAzureDevOps.Commands.ConnectPfaAzureDevOpsCommand'
    }

    It '-WhatIf connects nothing' {
        New-TestApp | Out-Null
        $redirect = Get-TestConsentRedirect (Start-PasteSignIn)
        Connect-PfaAzureDevOps -CallbackUri $redirect -WhatIf
        Get-PfaAzureDevOpsConnection | Should -BeNullOrEmpty
    }

    It 'a 429 with Retry-After from the profile service is waited out and retried' {
        New-TestApp | Out-Null
        $redirect = Get-TestConsentRedirect (Start-PasteSignIn)
        Control POST '/_test/faults' @{ pathPrefix = '/_apis/profile'; status = 429; retryAfterSeconds = 1; count = 1 } | Out-Null
        try {
            $sw = [Diagnostics.Stopwatch]::StartNew()
            (Connect-PfaAzureDevOps -CallbackUri $redirect -PassThru).UserDisplayName | Should -Be 'Test User'
            $sw.Elapsed.TotalSeconds | Should -BeGreaterThan 0.9
            (Control GET '/_test/faults') | Where-Object pathPrefix -EQ '/_apis/profile' | ForEach-Object { $_.hits | Should -Be 1 }
        }
        finally { Control DELETE '/_test/faults' | Out-Null }
    }

    It 'a user who belongs to no organization is told to create or join one, not that the list failed' {
        New-TestApp | Out-Null
        $redirect = Get-TestConsentRedirect (Start-PasteSignIn)
        Control POST '/_test/faults' @{ pathPrefix = '/_apis/accounts'; status = 200; body = '{"count":0,"value":[]}'; count = -1 } | Out-Null
        try {
            Connect-PfaAzureDevOps -CallbackUri $redirect -InformationVariable info -InformationAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null
        }
        finally { Control DELETE '/_test/faults' | Out-Null }
        $text = @($info | ForEach-Object { "$_" }) -join "`n"
        $text | Should -Match 'you belong to no Azure DevOps organization yet'
        $text | Should -Match 'Next: create or join an organization in Azure DevOps, then run Connect-PfaAzureDevOps -Organization <name>\.'
        $text | Should -Not -Match 'could not be listed'
        (Get-PfaAzureDevOpsConnection).Organization | Should -BeNullOrEmpty
    }

    It 'a dropped connection on the token endpoint is reported, not retried (codes work once)' {
        New-TestApp | Out-Null
        $redirect = Get-TestConsentRedirect (Start-PasteSignIn)
        Control DELETE '/_test/counters' | Out-Null
        Control POST '/_test/faults' @{ pathPrefix = '/oauth2/token'; drop = $true; count = 1 } | Out-Null
        try {
            { Connect-PfaAzureDevOps -CallbackUri $redirect -ErrorAction Stop } | Should -Throw -ErrorId 'AzureDevOpsConnectionFailed,PfaAzureDevOps.Commands.ConnectPfaAzureDevOpsCommand'
        }
        finally { Control DELETE '/_test/faults' | Out-Null }
    }

    It 'without a registration: RegistrationNotFound' {
        { Connect-PfaAzureDevOps -ErrorAction Stop } | Should -Throw -ErrorId 'RegistrationNotFound,PfaAzureDevOps.Commands.ConnectPfaAzureDevOpsCommand'
    }

    Context 'code redemption against each server error: id and message' {
        It 'wrong secret (the App Secret stored): OAuthInvalidClient' {
            $probe = Control POST '/_test/apps' @{ name = 'probe'; callbackUrl = 'https://pfa.example.test/oauth2/azureDevOps'; scopes = 'vso.code_write' }
            New-TestApp -StoreSecret $probe.appSecret | Out-Null
            $redirect = Get-TestConsentRedirect (Start-PasteSignIn)
            $err = { Connect-PfaAzureDevOps -CallbackUri $redirect -ErrorAction Stop } | Should -Throw -ErrorId 'OAuthInvalidClient,PfaAzureDevOps.Commands.ConnectPfaAzureDevOpsCommand' -PassThru
            $err.Exception.Message | Should -Match "App Secret.*Set-PfaAzureDevOpsApp -ClientSecret"
            $err.Exception.Message | Should -Match 'Failed to deserialize the JsonWebToken object'
        }

        It 'rotated secret: OAuthClientSecretRotated' {
            $app = New-TestApp
            $redirect = Get-TestConsentRedirect (Start-PasteSignIn)
            Control POST "/_test/apps/$($app.id)/rotate-secret" @{} | Out-Null
            $err = { Connect-PfaAzureDevOps -CallbackUri $redirect -ErrorAction Stop } | Should -Throw -ErrorId 'OAuthClientSecretRotated,PfaAzureDevOps.Commands.ConnectPfaAzureDevOpsCommand' -PassThru
            $err.Exception.Message | Should -Match 'regenerated.*Set-PfaAzureDevOpsApp -ClientSecret.*Connect-PfaAzureDevOps'
        }

        It 'expired secret: OAuthClientSecretExpired' {
            $app = New-TestApp
            $redirect = Get-TestConsentRedirect (Start-PasteSignIn)
            Control POST "/_test/apps/$($app.id)/expire-secret" @{} | Out-Null
            $err = { Connect-PfaAzureDevOps -CallbackUri $redirect -ErrorAction Stop } | Should -Throw -ErrorId 'OAuthClientSecretExpired,PfaAzureDevOps.Commands.ConnectPfaAzureDevOpsCommand' -PassThru
            $err.Exception.Message | Should -Match 'client secret has expired.*Set-PfaAzureDevOpsApp -ClientSecret'
        }

        It 'reused code: OAuthCodeInvalid' {
            $app = New-TestApp
            $redirect = Get-TestConsentRedirect (Start-PasteSignIn)
            $code = [uri]::UnescapeDataString(([regex]::Match($redirect, 'code=([^&]+)')).Groups[1].Value)
            # Someone (an intercepted link, a second tab) redeems the code first.
            $body = "client_assertion_type=$([uri]::EscapeDataString('urn:ietf:params:oauth:client-assertion-type:jwt-bearer'))&client_assertion=$([uri]::EscapeDataString($app.clientSecret))&grant_type=$([uri]::EscapeDataString('urn:ietf:params:oauth:grant-type:jwt-bearer'))&assertion=$([uri]::EscapeDataString($code))&redirect_uri=$([uri]::EscapeDataString("$($app.Instance)/oauth2/azureDevOps"))"
            (Invoke-WebRequest -Uri "$($Ado.HttpUrl)/oauth2/token" -Method Post -Body $body -ContentType 'application/x-www-form-urlencoded' -NoProxy).StatusCode | Should -Be 200
            $err = { Connect-PfaAzureDevOps -CallbackUri $redirect -ErrorAction Stop } | Should -Throw -ErrorId 'OAuthCodeInvalid,PfaAzureDevOps.Commands.ConnectPfaAzureDevOpsCommand' -PassThru
            $err.Exception.Message | Should -Match 'already used.*Codes work once.*Connect-PfaAzureDevOps'
        }

        It 'expired code: OAuthCodeExpired' {
            New-TestApp | Out-Null
            Control POST '/_test/settings' @{ codeLifetimeSeconds = 1 } | Out-Null
            try {
                $redirect = Get-TestConsentRedirect (Start-PasteSignIn)
                Start-Sleep -Milliseconds 2100
                $err = { Connect-PfaAzureDevOps -CallbackUri $redirect -ErrorAction Stop } | Should -Throw -ErrorId 'OAuthCodeExpired,PfaAzureDevOps.Commands.ConnectPfaAzureDevOpsCommand' -PassThru
                $err.Exception.Message | Should -Match 'expired.*15 minutes'
            }
            finally { Control POST '/_test/settings' @{ codeLifetimeSeconds = 900 } | Out-Null }
        }

        It 'revoked authorization: OAuthAuthorizationRevoked' {
            $app = New-TestApp
            $redirect = Get-TestConsentRedirect (Start-PasteSignIn)
            Control POST '/_test/authorizations/revoke' @{ appId = $app.id } | Out-Null
            $err = { Connect-PfaAzureDevOps -CallbackUri $redirect -ErrorAction Stop } | Should -Throw -ErrorId 'OAuthAuthorizationRevoked,PfaAzureDevOps.Commands.ConnectPfaAzureDevOpsCommand' -PassThru
            $err.Exception.Message | Should -Match 'revoked.*Connect-PfaAzureDevOps'
        }

        It 'an organization that turned off third-party OAuth access: AzureDevOpsNotAuthorized' {
            Control POST '/_test/orgs' @{ name = 'locked'; thirdPartyOAuthDisabled = $true } | Out-Null
            New-TestApp | Out-Null
            $redirect = Get-TestConsentRedirect (Start-PasteSignIn)
            $err = { Connect-PfaAzureDevOps -CallbackUri $redirect -Organization locked -ErrorAction Stop } | Should -Throw -ErrorId 'AzureDevOpsNotAuthorized,PfaAzureDevOps.Commands.ConnectPfaAzureDevOpsCommand' -PassThru
            $err.Exception.Message | Should -Match 'TF400813.*Third-party application access via OAuth'
            Get-PfaAzureDevOpsConnection | Should -BeNullOrEmpty
        }
    }
}

Describe 'Access tokens: cache, refresh, rotation, errors' {
    BeforeEach { $script:StateHome = New-TestStateHome }
    AfterEach { Remove-TestStateHome $script:StateHome }

    It 'returns a SecureString by default and text with -AsPlainText; the token works against the REST API' {
        New-TestApp | Out-Null
        Connect-ByPaste | Out-Null
        $secure = Get-PfaAzureDevOpsAccessToken
        $secure | Should -BeOfType ([securestring])
        $plain = Get-PfaAzureDevOpsAccessToken -AsPlainText
        $plain | Should -BeOfType ([string])
        [Net.NetworkCredential]::new('', $secure).Password | Should -Be $plain
        (Invoke-RestMethod -Uri "$($Ado.HttpUrl)/_apis/profile/profiles/me" -Headers @{ Authorization = "Bearer $plain"; 'X-TFS-FedAuthRedirect' = 'Suppress' } -NoProxy).displayName | Should -Be 'Test User'
    }

    It 'a valid token is served without any call to Azure DevOps' {
        New-TestApp | Out-Null
        Connect-ByPaste | Out-Null
        Control DELETE '/_test/counters' | Out-Null
        1..20 | ForEach-Object { Get-PfaAzureDevOpsAccessToken -AsPlainText } | Select-Object -Unique | Should -HaveCount 1
        (Get-Counters).tokenRequests | Should -Be 0
    }

    It 'refreshes a token with less than five minutes left, and saves the rotated refresh token first' {
        New-TestApp | Out-Null
        Connect-ByPaste | Out-Null
        $before = Get-PfaAzureDevOpsAccessToken -AsPlainText
        $oldRefresh = Get-StoredToken refresh
        Set-AccessTokenExpired
        Control DELETE '/_test/counters' | Out-Null
        $after = Get-PfaAzureDevOpsAccessToken -AsPlainText -Verbose 4>&1 | Where-Object { $_ -is [string] }
        $after | Should -Not -Be $before
        (Get-Counters).refreshToken | Should -Be 1
        Get-StoredToken refresh | Should -Not -Be $oldRefresh
        (Get-PfaAzureDevOpsConnection).RefreshedOn | Should -Not -BeNullOrEmpty
        (Get-PfaAzureDevOpsConnection).AccessTokenValid | Should -BeTrue
        @(Get-ChildItem (Join-Path $StateHome 'CurrentUser/secrets') -Filter 'connection-*').Count | Should -Be 2
    }

    It '-ForceRefresh refreshes a valid token' {
        New-TestApp | Out-Null
        Connect-ByPaste | Out-Null
        $before = Get-PfaAzureDevOpsAccessToken -AsPlainText
        Control DELETE '/_test/counters' | Out-Null
        Get-PfaAzureDevOpsAccessToken -ForceRefresh -AsPlainText | Should -Not -Be $before
        (Get-Counters).refreshToken | Should -Be 1
    }

    # Connected and first refreshed in this session (HTTP); the point, another process using the rotated token, is the child's.
    It 'rotation is persisted: a second process sees and uses the new refresh token' {
        New-TestApp | Out-Null
        Connect-ByPaste | Out-Null
        $connected = Get-StoredToken refresh
        Set-AccessTokenExpired
        Control DELETE '/_test/counters' | Out-Null
        $null = Get-PfaAzureDevOpsAccessToken -ErrorAction Stop
        $rotated = Get-StoredToken refresh
        $rotated | Should -Not -Be $connected
        Set-AccessTokenExpired
        $second = Invoke-Child -Script 'Import-Module PfaAzureDevOps; $null = Get-PfaAzureDevOpsAccessToken -ErrorAction Stop; "RESULT ok"'
        $second.Text | Should -Match 'RESULT ok'
        $counters = Get-Counters
        $counters.refreshToken | Should -Be 2
        $counters.failed | Should -Be 0
        Get-StoredToken refresh | Should -Not -Be $rotated
    }

    # A smoke test across real processes and the real token endpoint: the race itself (threads, processes, rotation,
    # a failed or killed refresh) is covered by the xunit TokenBrokerTests against a fake token server.
    It '4 processes on an expired token cause exactly one refresh, and all get the same valid token' {
        New-TestApp | Out-Null
        Connect-ByPaste | Out-Null
        Set-AccessTokenExpired
        Control DELETE '/_test/counters' | Out-Null
        $out = Join-Path $StateHome 'tokens'
        New-Item -ItemType Directory -Path $out | Out-Null
        $script = Join-Path $StateHome 'child.ps1'
        Set-Content -Path $script -Value @'
param($OutFile)
Import-Module PfaAzureDevOps
$t = Get-PfaAzureDevOpsAccessToken -AsPlainText -ErrorAction Stop
$hash = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($t)))
Set-Content -Path $OutFile -Value $hash
'@
        $procs = 1..4 | ForEach-Object {
            Start-Process -FilePath $Pwsh -ArgumentList @('-NoProfile', '-NonInteractive', '-File', $script, (Join-Path $out "$_.txt")) -PassThru `
                -RedirectStandardError (Join-Path $out "$_.err")
        }
        $procs | Wait-Process -Timeout 170
        $errors = Get-ChildItem $out -Filter '*.err' | Get-Content -Raw | Where-Object { $_ }
        $errors | Should -BeNullOrEmpty
        $hashes = @(Get-ChildItem $out -Filter '*.txt' | ForEach-Object { (Get-Content -Raw $_.FullName).Trim() })
        $hashes.Count | Should -Be 4
        @($hashes | Select-Object -Unique).Count | Should -Be 1
        $counters = Get-Counters
        $counters.refreshToken | Should -Be 1
        $counters.failed | Should -Be 0
        $token = Get-PfaAzureDevOpsAccessToken -AsPlainText
        [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($token))) | Should -Be $hashes[0]
    }

    Context 'refresh refused by the server: id, message, and the advice to connect again' {
        It 'revoked authorization: OAuthAuthorizationRevoked' {
            $app = New-TestApp
            Connect-ByPaste | Out-Null
            Set-AccessTokenExpired
            Control POST '/_test/authorizations/revoke' @{ appId = $app.id } | Out-Null
            $err = { Get-PfaAzureDevOpsAccessToken -ErrorAction Stop } | Should -Throw -ErrorId 'OAuthAuthorizationRevoked,PfaAzureDevOps.Commands.GetPfaAzureDevOpsAccessTokenCommand' -PassThru
            $err.Exception.Message | Should -Match 'revoked.*Run Connect-PfaAzureDevOps to connect again'
        }

        It 'rotated client secret: OAuthClientSecretRotated, then after the admin stores the new one, OAuthRefreshTokenInvalid' {
            $app = New-TestApp
            Connect-ByPaste | Out-Null
            Set-AccessTokenExpired
            $rotated = Control POST "/_test/apps/$($app.id)/rotate-secret" @{}
            $err = { Get-PfaAzureDevOpsAccessToken -ErrorAction Stop } | Should -Throw -ErrorId 'OAuthClientSecretRotated,PfaAzureDevOps.Commands.GetPfaAzureDevOpsAccessTokenCommand' -PassThru
            $err.Exception.Message | Should -Match 'Set-PfaAzureDevOpsApp -ClientSecret.*Connect-PfaAzureDevOps'
            Set-PfaAzureDevOpsApp -Scope CurrentUser -ClientSecret (ConvertTo-SecureString $rotated.clientSecret -AsPlainText -Force)
            $err = { Get-PfaAzureDevOpsAccessToken -ErrorAction Stop } | Should -Throw -ErrorId 'OAuthRefreshTokenInvalid,PfaAzureDevOps.Commands.GetPfaAzureDevOpsAccessTokenCommand' -PassThru
            $err.Exception.Message | Should -Match 'Run Connect-PfaAzureDevOps to connect again'
        }

        It 'wrong client secret stored (the App Secret): OAuthInvalidClient' {
            $app = New-TestApp
            Connect-ByPaste | Out-Null
            Set-AccessTokenExpired
            Set-PfaAzureDevOpsApp -Scope CurrentUser -ClientSecret (ConvertTo-SecureString $app.appSecret -AsPlainText -Force)
            $err = { Get-PfaAzureDevOpsAccessToken -ErrorAction Stop } | Should -Throw -ErrorId 'OAuthInvalidClient,PfaAzureDevOps.Commands.GetPfaAzureDevOpsAccessTokenCommand' -PassThru
            $err.Exception.Message | Should -Match "App Secret.*Set-PfaAzureDevOpsApp -ClientSecret.*Connect-PfaAzureDevOps"
        }

        It 'expired client secret: OAuthClientSecretExpired' {
            $app = New-TestApp
            Connect-ByPaste | Out-Null
            Set-AccessTokenExpired
            Control POST "/_test/apps/$($app.id)/expire-secret" @{} | Out-Null
            $err = { Get-PfaAzureDevOpsAccessToken -ErrorAction Stop } | Should -Throw -ErrorId 'OAuthClientSecretExpired,PfaAzureDevOps.Commands.GetPfaAzureDevOpsAccessTokenCommand' -PassThru
            $err.Exception.Message | Should -Match 'has expired.*Connect-PfaAzureDevOps'
        }

        It 'a refresh token already used (a stale copy of the state): OAuthRefreshTokenReused' {
            New-TestApp | Out-Null
            Connect-ByPaste | Out-Null
            $copy = Join-Path ([IO.Path]::GetTempPath()) ('pfa-copy-' + [guid]::NewGuid().ToString('N'))
            Copy-Item (Join-Path $StateHome 'CurrentUser') $copy -Recurse
            try {
                Get-PfaAzureDevOpsAccessToken -ForceRefresh | Out-Null
                Remove-Item (Join-Path $StateHome 'CurrentUser') -Recurse -Force
                Copy-Item $copy (Join-Path $StateHome 'CurrentUser') -Recurse
                Set-AccessTokenExpired
                $err = { Get-PfaAzureDevOpsAccessToken -ErrorAction Stop } | Should -Throw -ErrorId 'OAuthRefreshTokenReused,PfaAzureDevOps.Commands.GetPfaAzureDevOpsAccessTokenCommand' -PassThru
                $err.Exception.Message | Should -Match 'already used.*Connect-PfaAzureDevOps'
            }
            finally { Remove-Item $copy -Recurse -Force -ErrorAction Ignore }
        }

        It 'without a connection: NotConnected' {
            { Get-PfaAzureDevOpsAccessToken -ErrorAction Stop } | Should -Throw -ErrorId 'NotConnected,PfaAzureDevOps.Commands.GetPfaAzureDevOpsAccessTokenCommand'
        }
    }
}

Describe 'Get-PfaAzureDevOpsConnection and Disconnect-PfaAzureDevOps' {
    BeforeEach { $script:StateHome = New-TestStateHome }
    AfterEach { Remove-TestStateHome $script:StateHome }

    It 'connecting again replaces the connection cleanly' {
        New-TestApp | Out-Null
        Connect-ByPaste | Out-Null
        $first = Get-ChildItem (Join-Path $StateHome 'CurrentUser/secrets') -Filter 'connection-*' | Select-Object -ExpandProperty Name
        Control POST '/_test/orgs' @{ name = 'org2' } | Out-Null
        Connect-ByPaste -Organization org2 | Out-Null
        (Get-PfaAzureDevOpsConnection).Organization | Should -Be 'org2'
        $second = Get-ChildItem (Join-Path $StateHome 'CurrentUser/secrets') -Filter 'connection-*' | Select-Object -ExpandProperty Name
        $second.Count | Should -Be 2
        $second | Where-Object { $_ -in $first } | Should -BeNullOrEmpty
    }

    It 'the connection view shows who and where, and the object carries no token' {
        New-TestApp | Out-Null
        Connect-ByPaste | Out-Null
        $text = Get-PfaAzureDevOpsConnection | Out-String
        $text | Should -Match 'Test User'
        $text | Should -Match 'org1'
        $text | Should -Match 'vso.code_write'
        (Get-PfaAzureDevOpsConnection | Get-Member -MemberType Property).Name | Where-Object { $_ -match 'Token$' } | Should -BeNullOrEmpty
    }

    It 'Disconnect -WhatIf keeps it; Disconnect forgets the connection and its tokens' {
        New-TestApp | Out-Null
        Connect-ByPaste | Out-Null
        Get-PfaAzureDevOpsAccessToken | Out-Null
        Disconnect-PfaAzureDevOps -WhatIf
        Get-PfaAzureDevOpsConnection | Should -Not -BeNullOrEmpty
        Disconnect-PfaAzureDevOps -Confirm:$false
        Get-PfaAzureDevOpsConnection | Should -BeNullOrEmpty
        @(Get-ChildItem (Join-Path $StateHome 'CurrentUser/secrets') -Filter 'connection-*').Count | Should -Be 0
        { Get-PfaAzureDevOpsAccessToken -ErrorAction Stop } | Should -Throw -ErrorId 'NotConnected,PfaAzureDevOps.Commands.GetPfaAzureDevOpsAccessTokenCommand'
        { Disconnect-PfaAzureDevOps -Force -ErrorAction Stop } | Should -Throw -ErrorId 'NotConnected,PfaAzureDevOps.Commands.DisconnectPfaAzureDevOpsCommand'
    }

    It 'a corrupt connection file is reported with its path and left as it is' {
        New-TestApp | Out-Null
        $path = Join-Path $StateHome 'CurrentUser/connection.json'
        Set-Content -Path $path -Value '{ not json'
        { Get-PfaAzureDevOpsConnection -ErrorAction Stop } | Should -Throw -ErrorId 'StoreFileCorrupt,PfaAzureDevOps.Commands.GetPfaAzureDevOpsConnectionCommand'
        Get-Content -Raw $path | Should -Match 'not json'
    }
}
