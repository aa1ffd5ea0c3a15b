#requires -Modules Pester
# Connect-PfaAzureDevOps, Get-PfaAzureDevOpsAccessToken, Get-PfaAzureDevOpsConnection and Disconnect-PfaAzureDevOps
# for Microsoft Entra ID registrations, end to end against the local Azure DevOps's Entra side. MSAL needs an HTTPS
# authority, so every sign-in runs in a child pwsh that trusts the emulator's certificate only through
# SSL_CERT_FILE. Nothing here disables certificate validation.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers/TestHelpers.psm1') -Force
    $script:Session = Enter-TestSession -LocalAzureDevOps
    $script:Ado = $Session.Ado

    $script:TenantA = (Control POST '/_test/entra/tenants' @{ name = 'Contoso'; domain = 'contoso.test' }).id
    $script:TenantB = (Control POST '/_test/entra/tenants' @{ name = 'Fabrikam'; domain = 'fabrikam.test' }).id
    Control POST '/_test/orgs' @{ name = 'orga'; tenantId = $TenantA } | Out-Null
    Control POST '/_test/orgs' @{ name = 'orgb'; tenantId = $TenantB } | Out-Null

    # An Entra app on the emulator and its registration (CurrentUser) in the current home.
    function script:New-EntraApp([string] $Tenant = $TenantA, [switch] $Confidential) {
        $instance = 'https://pfa.example.test'
        if ($Confidential) {
            $callback = "$instance/oauth2/azureDevOps"
            $app = Control POST '/_test/entra/apps' @{ tenant = $Tenant; name = 'PFA web'; confidential = $true; redirectUris = @($callback) }
            Register-PfaAzureDevOpsApp -Provider EntraId -InstanceUrl $instance -ClientId $app.clientId -TenantId $Tenant -AuthorizationServer $Ado.HttpsUrl `
                -ClientSecret (ConvertTo-SecureString $app.clientSecret -AsPlainText -Force) -Scope CurrentUser -Force -WarningAction SilentlyContinue
        }
        else {
            $app = Control POST '/_test/entra/apps' @{ tenant = $Tenant; name = 'PFA desktop'; public = $true }
            Register-PfaAzureDevOpsApp -Provider EntraId -InstanceUrl $instance -ClientId $app.clientId -TenantId $Tenant -AuthorizationServer $Ado.HttpsUrl `
                -Scope CurrentUser -Force -WarningAction SilentlyContinue
        }
        $app
    }

    function script:Invoke-Child([string] $Script, [hashtable] $Environment = @{}) {
        $env = @{ SSL_CERT_FILE = $Ado.CertificatePath; PFA_AZUREDEVOPS_HOME = $env:PFA_AZUREDEVOPS_HOME; CI = 'true' }
        foreach ($k in $Environment.Keys) { $env[$k] = $Environment[$k] }
        Invoke-FreshPwsh -Script ("`$ErrorActionPreference = 'Stop'; Import-Module PfaAzureDevOps`n" + $Script) -Environment $env -TimeoutSeconds 180
    }

    # Runs a command in a child and prints ERR=<error id> when it fails.
    function script:Get-ChildErrorId([string] $Script, [hashtable] $Environment = @{}) {
        $r = Invoke-Child -Script "try { $Script; 'NOERROR' } catch { 'ERR=' + `$_.FullyQualifiedErrorId.Split(',')[0]; 'MSG=' + `$_.Exception.Message }" -Environment $Environment
        $r
    }

    # A browser stand-in for MSAL's loopback: loads the authorize page (trusting only the emulator's certificate) and
    # submits its form_post form to the loopback ONCE, as a browser does (no retry). -HandOver: it does that in the
    # background and the command exits 0 at once (a launcher such as xdg-open); else the command itself stays running
    # for 6 s after posting (a browser window), longer than the early-failure window.
    function script:New-FakeBrowser([switch] $HandOver) {
        $script = Join-Path $env:PFA_AZUREDEVOPS_HOME ('fake-browser-' + [guid]::NewGuid().ToString('N').Substring(0, 8) + '.sh')
        # Half a second before its one try, as the fastest real browser with SSO takes at least that long to start,
        # load the page and be redirected. MSAL listens only once the browser hook has returned, so a "browser" that
        # posts within milliseconds races MSAL's own start (it lost once on a busy machine). The old hook returned
        # only after 3 s, so this still fails on that bug.
        $post = @(
            '  sleep 0.5'
            "  page=`$(curl -s --cacert '$($Ado.CertificatePath)' `"`$url`")"
            '  action=$(printf ''%s'' "$page" | sed -n ''s/.*<form[^>]*action="\([^"]*\)".*/\1/p'')'
            '  set --'
            '  for pair in $(printf ''%s'' "$page" | sed -n ''s/.*<input type="hidden" name="\([^"]*\)" value="\([^"]*\)".*/\1=\2/p''); do set -- "$@" --data-urlencode "$pair"; done'
            '  curl -s -o /dev/null -X POST "$@" "$action"'
        )
        $body = if ($HandOver) { @('(') + $post + @(') >/dev/null 2>&1 &', 'exit 0') } else { @('{') + $post + @('} >/dev/null 2>&1', 'exec sleep 6') }
        Set-Content -Path $script -NoNewline -Value ((@('#!/bin/sh', 'url="$1"') + $body + @('')) -join "`n")
        chmod +x $script
        $script
    }

    $script:ShowConnection = "`$c = Get-PfaAzureDevOpsConnection; 'FLOW=' + `$c.Flow; 'PROVIDER=' + `$c.Provider; 'TENANT=' + `$c.TenantId; 'USER=' + `$c.UserId; 'EMAIL=' + `$c.UserEmail; 'ORGID=' + `$c.OrganizationId; 'VALID=' + `$c.AccessTokenValid"

    function script:Read-Value([object] $Result, [string] $Name) {
        $line = @($Result.Output | Where-Object { $_ -like "$Name=*" }) | Select-Object -First 1
        if ($line) { $line.Substring($Name.Length + 1) } else { $null }
    }

    # A token for the Azure DevOps resource, the way a pipeline holds one (client credentials of a service principal).
    function script:New-PipelineToken([string] $Tenant = $TenantA, [int] $Lifetime = 3599) {
        $sp = Control POST '/_test/entra/apps' @{ tenant = $Tenant; name = 'Build service'; confidential = $true }
        $body = "grant_type=client_credentials&client_id=$($sp.clientId)&client_secret=$([uri]::EscapeDataString($sp.clientSecret))&scope=$([uri]::EscapeDataString('499b84ac-1321-427f-aa17-267ca6975798/.default'))"
        (Invoke-RestMethod -Method Post -Uri "$($Ado.HttpUrl)/$Tenant/oauth2/v2.0/token" -ContentType 'application/x-www-form-urlencoded' -Body $body -NoProxy).access_token
    }

    function script:Wait-DeviceCode([string] $ClientId) {
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while ([DateTime]::UtcNow -lt $deadline) {
            $pending = @(Control GET '/_test/entra/devicecode') | ForEach-Object { $_ } | Where-Object { $_.clientId -eq $ClientId -and $_.status -eq 'pending' }
            if ($pending) { return @($pending)[0].userCode }
            Start-Sleep -Milliseconds 200
        }
        throw 'no device code was requested'
    }

    # Connect -UseDeviceCode in a background job (its own pwsh) while this process approves the code.
    function script:Connect-WithDeviceCode([string] $ClientId, [string] $Organization = 'orga') {
        $saved = $env:SSL_CERT_FILE
        $env:SSL_CERT_FILE = $Ado.CertificatePath
        try {
            $job = Start-Job -ScriptBlock {
                param($orgUrl, $org)
                $env:CI = 'true'
                Import-Module PfaAzureDevOps
                $c = Connect-PfaAzureDevOps -UseDeviceCode -Organization $org -OrganizationUrl $orgUrl -PassThru -ErrorAction Stop -WarningVariable shown -WarningAction SilentlyContinue
                $shown | ForEach-Object { 'WARN=' + $_.Message }
                $c
            } -ArgumentList "$($Ado.HttpsUrl)/$Organization", $Organization
        }
        finally { $env:SSL_CERT_FILE = $saved }
        try {
            $code = Wait-DeviceCode $ClientId
            Control POST '/_test/entra/devicecode/approve' @{ userCode = $code } | Out-Null
            $null = Wait-Job $job -Timeout 120
            $out = @(Receive-Job $job -ErrorVariable jobErrors -ErrorAction SilentlyContinue)
            [pscustomobject]@{ Code = $code; Output = $out; Errors = @($jobErrors); State = $job.State }
        }
        finally { Remove-Job $job -Force }
    }
}

AfterAll { Exit-TestSession }

Describe 'Entra ID: public client flows' {
    BeforeEach {
        Control POST '/_test/entra/settings' @{ accessTokenLifetimeSeconds = 3599 } | Out-Null
        Control DELETE '/_test/entra/errors' | Out-Null
    }

    It 'interactive: the system browser ($BROWSER) and MSAL''s loopback, recorded as an EntraId connection' {
        New-TestStateHome | Out-Null
        $app = New-EntraApp
        # A launcher that hands the URL over and exits 0 at once (as xdg-open does): the "browser" it started posts once.
        $script = New-FakeBrowser -HandOver
        $r = Invoke-Child -Script "Connect-PfaAzureDevOps -Organization orga -OrganizationUrl '$($Ado.HttpsUrl)/orga' -TimeoutSeconds 60 -WarningAction SilentlyContinue; $ShowConnection" -Environment @{ BROWSER = $script }
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Read-Value $r 'FLOW' | Should -Be 'Interactive'
        Read-Value $r 'PROVIDER' | Should -Be 'EntraId'
        Read-Value $r 'TENANT' | Should -Be $TenantA
        Read-Value $r 'EMAIL' | Should -Not -BeNullOrEmpty
        Read-Value $r 'ORGID' | Should -Not -BeNullOrEmpty
        $app | Should -Not -BeNullOrEmpty
    }

    It 'interactive: a browser that stays open and is redirected at once (SSO) reaches MSAL''s loopback on its only try' {
        New-TestStateHome | Out-Null
        New-EntraApp | Out-Null
        # Still running past the early-failure window (3 s) and posting once, after half a second: MSAL must already listen.
        $script = New-FakeBrowser
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $r = Invoke-Child -Script "Connect-PfaAzureDevOps -Organization orga -OrganizationUrl '$($Ado.HttpsUrl)/orga' -TimeoutSeconds 30 -WarningAction SilentlyContinue; $ShowConnection" -Environment @{ BROWSER = $script }
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Read-Value $r 'FLOW' | Should -Be 'Interactive'
        Read-Value $r 'TENANT' | Should -Be $TenantA
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 30 -Because 'the sign-in must not wait out its timeout'
    }

    It 'device code: the code is shown as a warning, approved while Connect waits; silent renewal in a new process; Disconnect clears MSAL''s cache' {
        New-TestStateHome | Out-Null
        Control POST '/_test/entra/settings' @{ accessTokenLifetimeSeconds = 120 } | Out-Null   # under the 5-minute margin: every use renews
        $app = New-EntraApp
        $result = Connect-WithDeviceCode -ClientId $app.clientId
        $result.Errors | Should -BeNullOrEmpty
        $warning = @($result.Output | Where-Object { $_ -is [string] -and $_ -like 'WARN=*' })
        "$warning" | Should -Match ([regex]::Escape($result.Code))
        $connection = @($result.Output | Where-Object { $_ -isnot [string] })[0]
        $connection.Flow | Should -Be 'DeviceCode'
        $connection.Provider | Should -Be 'EntraId'
        $connection.TenantId | Should -Be $TenantA

        $before = (Control GET '/_test/entra/counters').'token:refresh_token'
        $r = Invoke-Child -Script "`$t = Get-PfaAzureDevOpsAccessToken -AsPlainText -Verbose 4>&1; 'TOKEN=' + (@(`$t | Where-Object { `$_ -is [string] })[0].Length); 'VERBOSE=' + (@(`$t | Where-Object { `$_ -isnot [string] }) -join ' | ')"
        $r.ExitCode | Should -Be 0 -Because $r.Text
        [int](Read-Value $r 'TOKEN') | Should -BeGreaterThan 100
        (Control GET '/_test/entra/counters').'token:refresh_token' | Should -BeGreaterThan ([int]$before)
        $r.Text | Should -Match 'silently'

        $cacheFiles = @(Get-ChildItem (Join-Path $env:PFA_AZUREDEVOPS_HOME 'CurrentUser/secrets') -Filter 'entra-msal-user-*')
        $cacheFiles.Count | Should -BeGreaterThan 0
        $d = Invoke-Child -Script "Disconnect-PfaAzureDevOps -Force -Verbose 4>&1"
        $d.ExitCode | Should -Be 0 -Because $d.Text
        $d.Text | Should -Match 'Cleared 1 account'
        $e = Get-ChildErrorId 'Get-PfaAzureDevOpsAccessToken'
        Read-Value $e 'ERR' | Should -Be 'NotConnected'
    }

    It 'MFA required on renewal (AADSTS50076) gives EntraMfaRequired telling to reconnect interactively' {
        New-TestStateHome | Out-Null
        Control POST '/_test/entra/settings' @{ accessTokenLifetimeSeconds = 120 } | Out-Null
        $app = New-EntraApp
        (Connect-WithDeviceCode -ClientId $app.clientId).Errors | Should -BeNullOrEmpty
        Control POST '/_test/entra/errors' @{ code = 50076; grant = 'refresh_token'; count = -1 } | Out-Null
        $e = Get-ChildErrorId 'Get-PfaAzureDevOpsAccessToken'
        Read-Value $e 'ERR' | Should -Be 'EntraMfaRequired' -Because $e.Text
        Read-Value $e 'MSG' | Should -Match 'Connect-PfaAzureDevOps'
    }

    It '-ForceRefresh redeems the refresh token; sign-in frequency (AADSTS70043) then gives EntraSignInFrequency' {
        New-TestStateHome | Out-Null
        $app = New-EntraApp
        (Connect-WithDeviceCode -ClientId $app.clientId).Errors | Should -BeNullOrEmpty
        $before = [int](Control GET '/_test/entra/counters').'token:refresh_token'
        $r = Invoke-Child -Script "'LEN=' + (Get-PfaAzureDevOpsAccessToken -ForceRefresh -AsPlainText).Length"
        $r.ExitCode | Should -Be 0 -Because $r.Text
        [int](Control GET '/_test/entra/counters').'token:refresh_token' | Should -Be ($before + 1)
        Control POST '/_test/entra/errors' @{ code = 70043; grant = 'refresh_token'; clientId = $app.clientId; count = -1 } | Out-Null
        $e = Get-ChildErrorId 'Get-PfaAzureDevOpsAccessToken -ForceRefresh'
        Read-Value $e 'ERR' | Should -Be 'EntraSignInFrequency' -Because $e.Text
        Read-Value $e 'MSG' | Should -Match 'Connect-PfaAzureDevOps'
    }

    It 'consent required (AADSTS65001) gives EntraConsentRequired naming admin consent' {
        New-TestStateHome | Out-Null
        $app = New-EntraApp
        Control POST '/_test/entra/errors' @{ code = 65001; grant = 'device_code'; clientId = $app.clientId; count = -1 } | Out-Null
        $e = Get-ChildErrorId 'Connect-PfaAzureDevOps -UseDeviceCode -WarningAction SilentlyContinue'
        Read-Value $e 'ERR' | Should -Be 'EntraConsentRequired' -Because $e.Text
        Read-Value $e 'MSG' | Should -Match '(?i)consent'
    }
}

Describe 'Entra ID: confidential client, authorization code + PKCE at the instance callback' {
    It 'the paste path: -NoBrowser prints the link, -CallbackUri redeems the code with the PKCE verifier' {
        New-TestStateHome | Out-Null
        $app = New-EntraApp -Confidential
        $start = Invoke-Child -Script 'Connect-PfaAzureDevOps -NoBrowser'
        $start.ExitCode | Should -Be 0 -Because $start.Text
        $link = @($start.Output | Where-Object { $_ -match '^https://\S+/oauth2/v2\.0/authorize\?' })
        $link.Count | Should -Be 1 -Because $start.Text
        $link[0] | Should -Match 'code_challenge='
        $answer = Invoke-WebRequest -Uri $link[0].Replace($Ado.HttpsUrl, $Ado.HttpUrl) -NoProxy -MaximumRedirection 0 -SkipHttpErrorCheck -ErrorAction SilentlyContinue
        $answer.StatusCode | Should -Be 302 -Because $answer.Content
        $redirect = [string]$answer.Headers.Location[0]
        $redirect | Should -Match '^https://pfa\.example\.test/oauth2/azureDevOps\?.*code='
        $done = Invoke-Child -Script "Connect-PfaAzureDevOps -CallbackUri '$redirect' -Organization orga -OrganizationUrl '$($Ado.HttpsUrl)/orga' -WarningAction SilentlyContinue; $ShowConnection"
        $done.ExitCode | Should -Be 0 -Because $done.Text
        Read-Value $done 'FLOW' | Should -Be 'AuthorizationCode'
        Read-Value $done 'TENANT' | Should -Be $TenantA
        Read-Value $done 'ORGID' | Should -Not -BeNullOrEmpty
        $again = Get-ChildErrorId "Connect-PfaAzureDevOps -CallbackUri '$redirect'"
        Read-Value $again 'ERR' | Should -Be 'NoPendingAuthorization'
        $app | Should -Not -BeNullOrEmpty
    }
}

Describe 'Entra ID: confidential client in a non-interactive session' {
    It 'without -NoBrowser it fails at once (exit code not 0) and says how to finish; nothing is pending' {
        New-TestStateHome | Out-Null
        New-EntraApp -Confidential | Out-Null
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $r = Invoke-Child -Script "trap { 'ERR=' + `$_.FullyQualifiedErrorId.Split(',')[0]; break }`nConnect-PfaAzureDevOps -Organization orga" -Environment @{ BROWSER = 'true' }
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 60
        $r.ExitCode | Should -Not -Be 0 -Because $r.Text
        Read-Value $r 'ERR' | Should -Be 'CallbackAddressPromptUnavailable'
        $r.Text | Should -Match 'Connect-PfaAzureDevOps -NoBrowser'
        $r.Text | Should -Match '-CallbackUri'
        $r.Text | Should -Not -Match 'https://\S+/oauth2/v2\.0/authorize'
        Test-Path (Join-Path $env:PFA_AZUREDEVOPS_HOME 'CurrentUser/pending-authorization.json') | Should -BeFalse
    }

    It 'a pipeline step with $ErrorActionPreference = ''Stop'' (no trap) (NormalView: the id on stderr) exits non-zero; without it the error does not stop the script' {
        New-TestStateHome | Out-Null
        New-EntraApp -Confidential | Out-Null
        $pwsh = Join-Path $PSHOME 'pwsh'
        $file = Join-Path $env:PFA_AZUREDEVOPS_HOME 'step.ps1'
        $errors = Join-Path $env:PFA_AZUREDEVOPS_HOME 'step.err'
        $saved = $env:CI, $env:SSL_CERT_FILE
        $env:CI = 'true'; $env:SSL_CERT_FILE = $Ado.CertificatePath
        try {
            Set-Content -Path $file -Value "`$ErrorActionPreference = 'Stop'`n`$ErrorView = 'NormalView'`nImport-Module PfaAzureDevOps`nConnect-PfaAzureDevOps -Organization orga`n'AFTER'"
            $out = @(& $pwsh -NoProfile -NonInteractive -File $file 2> $errors)
            $code = $LASTEXITCODE
            $stderr = Get-Content -Raw $errors
            $code | Should -Not -Be 0 -Because "$out $stderr"
            $out | Should -Not -Contain 'AFTER'
            $stderr | Should -Match 'CallbackAddressPromptUnavailable'

            # The same step without 'Stop': the error is written (non-terminating) and the script goes on to exit 0.
            Set-Content -Path $file -Value "Import-Module PfaAzureDevOps`nConnect-PfaAzureDevOps -Organization orga`n'AFTER'"
            $out = @(& $pwsh -NoProfile -NonInteractive -File $file 2> $errors)
            $LASTEXITCODE | Should -Be 0 -Because "$out"
            $out | Should -Contain 'AFTER'
            Get-Content -Raw $errors | Should -Match 'session is non-interactive'
        }
        finally { $env:CI, $env:SSL_CERT_FILE = $saved }
    }
}

Describe 'Entra ID: confidential client at a loopback instance callback' {
    It 'Connect listens on the instance''s loopback callback and redeems the code (browser follows the redirect)' {
        New-TestStateHome | Out-Null
        $listener = [System.Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $instance = "http://127.0.0.1:$port"
        $app = Control POST '/_test/entra/apps' @{ tenant = $TenantA; name = 'PFA local'; confidential = $true; redirectUris = @("$instance/oauth2/azureDevOps") }
        Register-PfaAzureDevOpsApp -Provider EntraId -InstanceUrl $instance -ClientId $app.clientId -TenantId $TenantA -AuthorizationServer $Ado.HttpsUrl `
            -ClientSecret (ConvertTo-SecureString $app.clientSecret -AsPlainText -Force) -Scope CurrentUser -WarningAction SilentlyContinue
        $browser = Join-Path $env:PFA_AZUREDEVOPS_HOME 'follow.sh'
        Set-Content -Path $browser -NoNewline -Value ("#!/bin/sh`n(sleep 0.5; curl -s -L -o /dev/null --cacert '$($Ado.CertificatePath)' `"`$1`") >/dev/null 2>&1 &`nexit 0`n")
        chmod +x $browser
        $r = Invoke-Child -Script "Connect-PfaAzureDevOps -Organization orga -OrganizationUrl '$($Ado.HttpsUrl)/orga' -TimeoutSeconds 30 -WarningAction SilentlyContinue; $ShowConnection" -Environment @{ BROWSER = $browser }
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Read-Value $r 'FLOW' | Should -Be 'AuthorizationCode'
        Read-Value $r 'TENANT' | Should -Be $TenantA
    }
}

Describe 'Entra ID: confidential client with a certificate' {
    It 'Register -CertificatePath stores the certificate; the paste path signs the code redemption with it' {
        New-TestStateHome | Out-Null
        $rsa = [System.Security.Cryptography.RSA]::Create(2048)
        $req = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=pfa-web', $rsa, [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $cert = $req.CreateSelfSigned([DateTimeOffset]::UtcNow.AddMinutes(-5), [DateTimeOffset]::UtcNow.AddDays(1))
        $pfx = Join-Path $env:PFA_AZUREDEVOPS_HOME 'web.pfx'
        [IO.File]::WriteAllBytes($pfx, $cert.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pfx))
        $app = Control POST '/_test/entra/apps' @{ tenant = $TenantA; name = 'PFA web cert'; confidential = $true; certificates = @([Convert]::ToBase64String($cert.RawData)); redirectUris = @('https://pfa.example.test/oauth2/azureDevOps') }
        Register-PfaAzureDevOpsApp -Provider EntraId -InstanceUrl https://pfa.example.test -ClientId $app.clientId -TenantId $TenantA -AuthorizationServer $Ado.HttpsUrl `
            -CertificatePath $pfx -Scope CurrentUser -WarningAction SilentlyContinue
        $stored = Get-Content -Raw (Join-Path $env:PFA_AZUREDEVOPS_HOME 'CurrentUser/registration.json') | ConvertFrom-Json
        $stored.certificatePath | Should -Be $pfx
        $start = Invoke-Child -Script 'Connect-PfaAzureDevOps -NoBrowser'
        $link = @($start.Output | Where-Object { $_ -match '^https://\S+/oauth2/v2\.0/authorize\?' })
        $link.Count | Should -Be 1 -Because $start.Text
        $answer = Invoke-WebRequest -Uri $link[0].Replace($Ado.HttpsUrl, $Ado.HttpUrl) -NoProxy -MaximumRedirection 0 -SkipHttpErrorCheck -ErrorAction SilentlyContinue
        $redirect = [string]$answer.Headers.Location[0]
        $done = Invoke-Child -Script "Connect-PfaAzureDevOps -CallbackUri '$redirect' -Organization orga -OrganizationUrl '$($Ado.HttpsUrl)/orga' -WarningAction SilentlyContinue; $ShowConnection"
        $done.ExitCode | Should -Be 0 -Because $done.Text
        Read-Value $done 'FLOW' | Should -Be 'AuthorizationCode'
        { Register-PfaAzureDevOpsApp -Provider EntraId -InstanceUrl https://pfa.example.test -ClientId $app.clientId -CertificatePath $pfx -ClientSecret (ConvertTo-SecureString x -AsPlainText -Force) -Scope CurrentUser -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'ClientCredentialConflict*'
    }
}

Describe 'Entra ID: pipelines and unattended agents' {
    It 'an access token: stored without a profile check, returned until it expires, then EntraAccessTokenExpired' {
        New-TestStateHome | Out-Null
        New-EntraApp | Out-Null
        $token = New-PipelineToken
        $r = Invoke-Child -Script "Connect-PfaAzureDevOps -AccessToken (ConvertTo-SecureString '$token' -AsPlainText -Force) -Organization orga -WarningAction SilentlyContinue; $ShowConnection; 'SAME=' + ((Get-PfaAzureDevOpsAccessToken -AsPlainText) -eq '$token')"
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Read-Value $r 'FLOW' | Should -Be 'AccessToken'
        Read-Value $r 'TENANT' | Should -Be $TenantA
        Read-Value $r 'SAME' | Should -Be 'True'
        $r.Text | Should -Not -Match ([regex]::Escape($token))

        $path = Join-Path $env:PFA_AZUREDEVOPS_HOME 'CurrentUser/connection.json'
        $doc = Get-Content -Raw $path | ConvertFrom-Json
        $doc.accessTokenExpiresOn = [DateTimeOffset]::UtcNow.AddMinutes(-1).ToString('o')
        $doc | ConvertTo-Json -Depth 10 | Set-Content -Path $path -NoNewline
        $e = Get-ChildErrorId 'Get-PfaAzureDevOpsAccessToken'
        Read-Value $e 'ERR' | Should -Be 'EntraAccessTokenExpired'
        Read-Value $e 'MSG' | Should -Match 'new one'
    }

    It 'a service principal with a client secret: connects, checks the organization, re-acquires in a new process' {
        New-TestStateHome | Out-Null
        New-EntraApp | Out-Null
        $sp = Control POST '/_test/entra/apps' @{ tenant = $TenantA; name = 'Agent'; confidential = $true }
        $r = Invoke-Child -Script "Connect-PfaAzureDevOps -ServicePrincipal -ClientId $($sp.clientId) -TenantId $TenantA -ClientSecret (ConvertTo-SecureString '$($sp.clientSecret)' -AsPlainText -Force) -OrganizationUrl '$($Ado.HttpsUrl)/orga' -WarningAction SilentlyContinue; $ShowConnection"
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Read-Value $r 'FLOW' | Should -Be 'ServicePrincipal'
        Read-Value $r 'USER' | Should -Be $sp.servicePrincipalId
        Read-Value $r 'ORGID' | Should -Not -BeNullOrEmpty
        $r.Text | Should -Not -Match ([regex]::Escape($sp.clientSecret))

        Set-ItemProperty -Path (Join-Path $env:PFA_AZUREDEVOPS_HOME 'CurrentUser/connection.json') -Name LastWriteTime -Value (Get-Date)
        $path = Join-Path $env:PFA_AZUREDEVOPS_HOME 'CurrentUser/connection.json'
        $doc = Get-Content -Raw $path | ConvertFrom-Json
        $doc.accessTokenExpiresOn = [DateTimeOffset]::UtcNow.AddMinutes(-1).ToString('o')
        $doc | ConvertTo-Json -Depth 10 | Set-Content -Path $path -NoNewline
        $g = Invoke-Child -Script "`$t = Get-PfaAzureDevOpsAccessToken -AsPlainText; `$h = @{ Authorization = 'Bearer ' + `$t; 'X-TFS-FedAuthRedirect' = 'Suppress' }; 'ORG=' + (Invoke-RestMethod -Uri '$($Ado.HttpsUrl)/orga/_apis/connectionData' -Headers `$h).instanceId; $ShowConnection"
        $g.ExitCode | Should -Be 0 -Because $g.Text
        Read-Value $g 'ORG' | Should -Not -BeNullOrEmpty
        Read-Value $g 'VALID' | Should -Be 'True'
    }

    It 'a service principal with a certificate file (-CertificatePath, .pfx)' {
        New-TestStateHome | Out-Null
        New-EntraApp | Out-Null
        $rsa = [System.Security.Cryptography.RSA]::Create(2048)
        $req = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=pfa-agent', $rsa, [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $cert = $req.CreateSelfSigned([DateTimeOffset]::UtcNow.AddMinutes(-5), [DateTimeOffset]::UtcNow.AddDays(1))
        $pfx = Join-Path $env:PFA_AZUREDEVOPS_HOME 'agent.pfx'
        [IO.File]::WriteAllBytes($pfx, $cert.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pfx))
        $sp = Control POST '/_test/entra/apps' @{ tenant = $TenantA; name = 'Agent cert'; confidential = $true; certificates = @([Convert]::ToBase64String($cert.RawData)) }
        $r = Invoke-Child -Script "Connect-PfaAzureDevOps -ServicePrincipal -ClientId $($sp.clientId) -TenantId $TenantA -CertificatePath '$pfx' -OrganizationUrl '$($Ado.HttpsUrl)/orga' -WarningAction SilentlyContinue; $ShowConnection"
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Read-Value $r 'FLOW' | Should -Be 'ServicePrincipal'
        Read-Value $r 'USER' | Should -Be $sp.servicePrincipalId
        $doc = Get-Content -Raw (Join-Path $env:PFA_AZUREDEVOPS_HOME 'CurrentUser/connection.json') | ConvertFrom-Json
        $doc.certificatePath | Should -Be $pfx
        $e = Get-ChildErrorId "Connect-PfaAzureDevOps -ServicePrincipal -ClientId $($sp.clientId) -TenantId $TenantA"
        Read-Value $e 'ERR' | Should -Not -BeNullOrEmpty
    }

    It 'a wrong service principal secret gives EntraInvalidClientSecret without quoting it' {
        New-TestStateHome | Out-Null
        New-EntraApp | Out-Null
        $sp = Control POST '/_test/entra/apps' @{ tenant = $TenantA; name = 'Agent'; confidential = $true }
        $e = Get-ChildErrorId "Connect-PfaAzureDevOps -ServicePrincipal -ClientId $($sp.clientId) -TenantId $TenantA -ClientSecret (ConvertTo-SecureString 'not-the-secret-42' -AsPlainText -Force)"
        Read-Value $e 'ERR' | Should -Be 'EntraInvalidClientSecret' -Because $e.Text
        $e.Text | Should -Not -Match 'not-the-secret-42'
    }

    It 'a managed identity (IDENTITY_ENDPOINT/IDENTITY_HEADER)' {
        New-TestStateHome | Out-Null
        New-EntraApp | Out-Null
        $mi = Control POST '/_test/entra/managed-identities' @{ tenant = $TenantA; name = 'agent-vm' }
        $r = Invoke-Child -Script "Connect-PfaAzureDevOps -Identity -OrganizationUrl '$($Ado.HttpsUrl)/orga' -WarningAction SilentlyContinue; $ShowConnection; 'LEN=' + (Get-PfaAzureDevOpsAccessToken -AsPlainText).Length" `
            -Environment @{ IDENTITY_ENDPOINT = $mi.identityEndpoint; IDENTITY_HEADER = $mi.identityHeader }
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Read-Value $r 'FLOW' | Should -Be 'ManagedIdentity'
        Read-Value $r 'USER' | Should -Be $mi.objectId
        Read-Value $r 'TENANT' | Should -Be $TenantA
        [int](Read-Value $r 'LEN') | Should -BeGreaterThan 100
    }

    It 'two tenants side by side: each connection has its own tenant and reaches only its own organization' {
        $homeA = New-TestStateHome
        New-EntraApp -Tenant $TenantA | Out-Null
        $spA = Control POST '/_test/entra/apps' @{ tenant = $TenantA; name = 'Agent A'; confidential = $true }
        $a = Invoke-Child -Script "Connect-PfaAzureDevOps -ServicePrincipal -ClientId $($spA.clientId) -TenantId $TenantA -ClientSecret (ConvertTo-SecureString '$($spA.clientSecret)' -AsPlainText -Force) -OrganizationUrl '$($Ado.HttpsUrl)/orga' -WarningAction SilentlyContinue; $ShowConnection"
        $homeB = New-TestStateHome
        New-EntraApp -Tenant $TenantB | Out-Null
        $spB = Control POST '/_test/entra/apps' @{ tenant = $TenantB; name = 'Agent B'; confidential = $true }
        $b = Invoke-Child -Script "Connect-PfaAzureDevOps -ServicePrincipal -ClientId $($spB.clientId) -TenantId $TenantB -ClientSecret (ConvertTo-SecureString '$($spB.clientSecret)' -AsPlainText -Force) -OrganizationUrl '$($Ado.HttpsUrl)/orgb' -WarningAction SilentlyContinue; $ShowConnection"
        $a.ExitCode | Should -Be 0 -Because $a.Text
        $b.ExitCode | Should -Be 0 -Because $b.Text
        Read-Value $a 'TENANT' | Should -Be $TenantA
        Read-Value $b 'TENANT' | Should -Be $TenantB
        $env:PFA_AZUREDEVOPS_HOME = $homeA
        $cross = Get-ChildErrorId "Connect-PfaAzureDevOps -ServicePrincipal -ClientId $($spA.clientId) -TenantId $TenantA -ClientSecret (ConvertTo-SecureString '$($spA.clientSecret)' -AsPlainText -Force) -OrganizationUrl '$($Ado.HttpsUrl)/orgb'"
        Read-Value $cross 'ERR' | Should -Not -Be $null -Because $cross.Text
        $stillA = Invoke-Child -Script $ShowConnection
        Read-Value $stillA 'TENANT' | Should -Be $TenantA
        $env:PFA_AZUREDEVOPS_HOME = $homeB
        (Read-Value (Invoke-Child -Script $ShowConnection) 'TENANT') | Should -Be $TenantB
    }
}

Describe 'Entra ID: isolation and refusals' {
    It 'Register-PfaAzureDevOpsApp -Provider EntraId discovers the tenant from -OrganizationUrl' {
        New-TestStateHome | Out-Null
        $app = Control POST '/_test/entra/apps' @{ tenant = $TenantB; name = 'PFA desktop'; public = $true }
        $r = Register-PfaAzureDevOpsApp -Provider EntraId -InstanceUrl https://pfa.example.test -ClientId $app.clientId -OrganizationUrl "$($Ado.HttpUrl)/orgb" `
            -AuthorizationServer $Ado.HttpsUrl -Scope CurrentUser -PassThru -WarningAction SilentlyContinue
        $r.TenantId | Should -Be $TenantB
        { Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl https://pfa.example.test -ClientId $app.clientId -Organization orgb -ClientSecret (ConvertTo-SecureString x -AsPlainText -Force) -Scope CurrentUser -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'TenantNotApplicable*'
    }

    It 'an Azure DevOps OAuth connection renews its token without loading MSAL' {
        New-TestStateHome | Out-Null
        $app = Control POST '/_test/apps' @{ name = 'PFA'; callbackUrl = 'https://pfa.example.test/oauth2/azureDevOps'; scopes = 'vso.code_write' }
        Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl https://pfa.example.test -ClientId $app.id -ClientSecret (ConvertTo-SecureString $app.clientSecret -AsPlainText -Force) `
            -AuthorizationServer $Ado.HttpUrl -Scope CurrentUser -WarningAction SilentlyContinue
        Connect-PfaAzureDevOps -NoBrowser -InformationVariable info -InformationAction SilentlyContinue 6>$null | Out-Null
        $link = @($info | ForEach-Object { "$_" } | Where-Object { $_ -match '^https?://\S+/oauth2/authorize\?' })[0]
        $page = Invoke-WebRequest -Uri $link -NoProxy
        $page.Content -match 'name="consentId" value="([^"]+)"' | Should -BeTrue
        $answer = Invoke-WebRequest -Uri "$($Ado.HttpUrl)/oauth2/authorize" -Method Post -NoProxy -MaximumRedirection 0 -SkipHttpErrorCheck -ErrorAction SilentlyContinue `
            -ContentType 'application/x-www-form-urlencoded' -Body "consentId=$([uri]::EscapeDataString($Matches[1]))&decision=accept"
        Connect-PfaAzureDevOps -CallbackUri ([string]$answer.Headers.Location[0]) -Organization orga -WarningAction SilentlyContinue
        $r = Invoke-Child -Script "`$t = Get-PfaAzureDevOpsAccessToken -ForceRefresh -AsPlainText -Verbose 4>&1; 'REFRESHED=' + ((@(`$t) -join ' ') -match 'refreshed'); 'PROVIDER=' + (Get-PfaAzureDevOpsConnection).Provider; 'MSAL=' + ([AppDomain]::CurrentDomain.GetAssemblies().GetName().Name -contains 'Microsoft.Identity.Client')"
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Read-Value $r 'PROVIDER' | Should -Be 'AzureDevOps'
        Read-Value $r 'REFRESHED' | Should -Be 'True' -Because $r.Text
        Read-Value $r 'MSAL' | Should -Be 'False'
    }

    It 'an Azure DevOps OAuth registration refuses the Entra-only flows, and MSAL is not loaded by it' {
        New-TestStateHome | Out-Null
        $app = Control POST '/_test/apps' @{ name = 'PFA'; callbackUrl = 'https://pfa.example.test/oauth2/azureDevOps'; scopes = 'vso.code_write' }
        Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl https://pfa.example.test -ClientId $app.id -ClientSecret (ConvertTo-SecureString $app.clientSecret -AsPlainText -Force) `
            -AuthorizationServer $Ado.HttpUrl -Scope CurrentUser -WarningAction SilentlyContinue
        $r = Invoke-Child -Script "try { Connect-PfaAzureDevOps -UseDeviceCode } catch { 'ERR=' + `$_.FullyQualifiedErrorId.Split(',')[0] }; try { Get-PfaAzureDevOpsAccessToken } catch { 'ERR2=' + `$_.FullyQualifiedErrorId.Split(',')[0] }; 'MSAL=' + ([AppDomain]::CurrentDomain.GetAssemblies().GetName().Name -contains 'Microsoft.Identity.Client')"
        Read-Value $r 'ERR' | Should -Be 'ProviderNotSupported' -Because $r.Text
        Read-Value $r 'ERR2' | Should -Be 'NotConnected' -Because $r.Text
        Read-Value $r 'MSAL' | Should -Be 'False'
    }
}
