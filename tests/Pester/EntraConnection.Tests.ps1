#requires -Modules Pester
# Connect-PfaAzureDevOps, Get-PfaAzureDevOpsAccessToken, Get-PfaAzureDevOpsConnection and Disconnect-PfaAzureDevOps
# for Microsoft Entra ID registrations, end to end against the local Azure DevOps's Entra side. MSAL needs an HTTPS
# authority, so every sign-in runs in a child pwsh that trusts the emulator's certificate only through
# SSL_CERT_FILE (read once, when a process starts). Nothing here disables certificate validation.
#
# What costs here is the child: a pwsh that loads the module and MSAL (about 1 CPU s). So sign-ins that need no fresh
# process of their own share ONE child for the whole file (Invoke-ChildScenarios, run at the end of the file's BeforeAll:
# each in its own state home, with its own
# application and environment, its streams captured apart); a child of its own stays where "a new process" is the
# point (silent renewal, re-acquiring, MSAL not loaded, exit codes). Steps that make no HTTPS call (the paste path's
# link, an access token's expiry, reading the connection) run in this process.
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
                -ClientSecret (ConvertTo-SecureString $app.clientSecret -AsPlainText -Force) -Scope CurrentUser -Force -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        }
        else {
            $app = Control POST '/_test/entra/apps' @{ tenant = $Tenant; name = 'PFA desktop'; public = $true }
            Register-PfaAzureDevOpsApp -Provider EntraId -InstanceUrl $instance -ClientId $app.clientId -TenantId $Tenant -AuthorizationServer $Ado.HttpsUrl `
                -Scope CurrentUser -Force -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        }
        $app
    }

    # The emulator's control API from inside a child (Ctl GET /_test/entra/counters), for steps between two calls there.
    $script:ChildControl = "function Ctl([string] `$Method, [string] `$Path, `$Body) { `$p = @{ Method = `$Method; Uri = '$($Ado.HttpUrl)' + `$Path; NoProxy = `$true }; if (`$null -ne `$Body) { `$p.Body = ConvertTo-Json `$Body -Compress; `$p.ContentType = 'application/json' }; Invoke-RestMethod @p }"

    function script:Invoke-Child([string] $Script, [hashtable] $Environment = @{}) {
        $env = @{ SSL_CERT_FILE = $Ado.CertificatePath; PFA_AZUREDEVOPS_HOME = $env:PFA_AZUREDEVOPS_HOME; CI = 'true' }
        foreach ($k in $Environment.Keys) { $env[$k] = $Environment[$k] }
        Invoke-FreshPwsh -Script ("`$ErrorActionPreference = 'Stop'; Import-Module PfaAzureDevOps`n$ChildControl`n" + $Script) -Environment $env -TimeoutSeconds 180
    }

    # Several independent sign-ins in ONE child. Each scenario (Name, Home, Script, optional Environment) runs with its
    # own PFA_AZUREDEVOPS_HOME and environment variables, in its own scope, every stream captured as lines; an error that
    # stops it is reported as ERR=<error id> and MSG=<message>. Returns a hashtable: name -> Output, Text, Completed
    # (ran to its end without such an error). Each scenario needs its own application (client id), so nothing MSAL keeps
    # in memory for one can serve another.
    function script:Invoke-ChildScenarios([object[]] $Scenarios) {
        $parts = foreach ($s in $Scenarios) {
            $names = if ($s.Environment) { @($s.Environment.Keys) } else { @() }
            @(
                "'##SCENARIO=$($s.Name)'"
                "`$env:PFA_AZUREDEVOPS_HOME = '$($s.Home)'"
                foreach ($k in $names) { "`$env:$k = '$($s.Environment[$k])'" }
                "try { & {`n$($s.Script)`n} *>&1 | ForEach-Object { `"`$_`" }; '##COMPLETED' }"
                "catch { 'ERR=' + `$_.FullyQualifiedErrorId.Split(',')[0]; 'MSG=' + `$_.Exception.Message }"
                foreach ($k in $names) { "Remove-Item Env:$k -ErrorAction Ignore" }
            ) -join "`n"
        }
        $run = Invoke-Child -Script ($parts -join "`n")
        $lines = @{}
        $name = $null
        foreach ($line in $run.Output) {
            if ($line -match '^##SCENARIO=(.+)$') { $name = $Matches[1]; $lines[$name] = [System.Collections.Generic.List[string]]::new(); continue }
            if ($null -ne $name) { $lines[$name].Add($line) }
        }
        $results = @{}
        foreach ($s in $Scenarios) {
            $output = if ($lines.ContainsKey($s.Name)) { @($lines[$s.Name]) } else { @() }
            $text = if ($lines.ContainsKey($s.Name)) { $output -join "`n" } else { "(the scenario never started; the child printed:)`n$($run.Text)" }
            $results[$s.Name] = [pscustomobject]@{ Output = $output; Text = $text; Completed = $output -contains '##COMPLETED' }
        }
        $results
    }

    # A browser stand-in for MSAL's loopback: loads the authorize page (trusting only the emulator's certificate) and
    # submits its form_post form to the loopback ONCE, as a browser does (no retry). -HandOver: it does that in the
    # background and the command exits 0 at once (a launcher such as xdg-open); else the command itself stays running
    # for 6 s after posting (a browser window), longer than the early-failure window. It writes the URL it was given to
    # <script>.url, so a test can tell the browser really ran.
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
        Set-Content -Path $script -NoNewline -Value ((@('#!/bin/sh', 'url="$1"', "printf '%s' `"`$url`" > '$script.url'") + $body + @('')) -join "`n")
        chmod +x $script
        $script
    }

    $script:ShowConnection = "`$c = Get-PfaAzureDevOpsConnection; 'FLOW=' + `$c.Flow; 'PROVIDER=' + `$c.Provider; 'TENANT=' + `$c.TenantId; 'USER=' + `$c.UserId; 'EMAIL=' + `$c.UserEmail; 'ORGID=' + `$c.OrganizationId; 'VALID=' + `$c.AccessTokenValid"

    function script:Read-Value([object] $Result, [string] $Name) {
        $line = @($Result.Output | Where-Object { $_ -like "$Name=*" }) | Select-Object -First 1
        if ($line) { $line.Substring($Name.Length + 1) } else { $null }
    }

    # The error id and message of a command run in this process (for steps that make no HTTPS call).
    function script:Get-LocalError([scriptblock] $Script) {
        try { & $Script -ErrorAction Stop | Out-Null } catch { return [pscustomobject]@{ Id = $_.FullyQualifiedErrorId.Split(',')[0]; Message = $_.Exception.Message } }
        [pscustomobject]@{ Id = $null; Message = $null }
    }

    # Connect -NoBrowser in this process (the link needs no call to the authorization server) and the authorize page's
    # answer, as a browser gets it: the link and the address the browser is sent back to.
    function script:Start-PastePath {
        Connect-PfaAzureDevOps -NoBrowser -InformationVariable info -InformationAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null
        $shown = @($info | ForEach-Object { "$_" })
        $links = @($shown | Where-Object { $_ -match '^https://\S+/oauth2/v2\.0/authorize\?' })
        $answer = $null
        if ($links.Count -eq 1) {
            $answer = Invoke-WebRequest -Uri $links[0].Replace($Ado.HttpsUrl, $Ado.HttpUrl) -NoProxy -MaximumRedirection 0 -SkipHttpErrorCheck -ErrorAction SilentlyContinue
        }
        [pscustomobject]@{
            Shown    = $shown -join "`n"
            Links    = $links
            Status   = if ($answer) { $answer.StatusCode } else { $null }
            Content  = if ($answer) { $answer.Content } else { $null }
            Redirect = if ($answer -and $answer.Headers.Location) { [string]$answer.Headers.Location[0] } else { $null }
        }
    }

    # A token for the Azure DevOps resource, the way a pipeline holds one (client credentials of a service principal).
    function script:New-PipelineToken([string] $Tenant = $TenantA, [int] $Lifetime = 3599) {
        $sp = Control POST '/_test/entra/apps' @{ tenant = $Tenant; name = 'Build service'; confidential = $true }
        $body = "grant_type=client_credentials&client_id=$($sp.clientId)&client_secret=$([uri]::EscapeDataString($sp.clientSecret))&scope=$([uri]::EscapeDataString('499b84ac-1321-427f-aa17-267ca6975798/.default'))"
        (Invoke-RestMethod -Method Post -Uri "$($Ado.HttpUrl)/$Tenant/oauth2/v2.0/token" -ContentType 'application/x-www-form-urlencoded' -Body $body -NoProxy).access_token
    }

    function script:New-TestCertificate([string] $Name) {
        $rsa = [System.Security.Cryptography.RSA]::Create(2048)
        $req = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new("CN=$Name", $rsa, [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $req.CreateSelfSigned([DateTimeOffset]::UtcNow.AddMinutes(-5), [DateTimeOffset]::UtcNow.AddDays(1))
    }

    function script:Wait-DeviceCode([string] $ClientId, [Diagnostics.Process] $Process) {
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while ([DateTime]::UtcNow -lt $deadline -and -not $Process.HasExited) {
            $pending = @(Control GET '/_test/entra/devicecode') | ForEach-Object { $_ } | Where-Object { $_.clientId -eq $ClientId -and $_.status -eq 'pending' }
            if ($pending) { return @($pending)[0].userCode }
            Start-Sleep -Milliseconds 200
        }
        $null
    }

    # Connect -UseDeviceCode in a child pwsh (started, not awaited: a plain process, as cheap as any child) while this
    # process approves the code. Returns the child's lines (WARN= the warnings it showed, FLOW=, PROVIDER=, TENANT=, or
    # ERR= and MSG=) and the code approved. -After: more steps in that process once it is connected (Ctl is there).
    function script:Connect-WithDeviceCode([string] $ClientId, [string] $Organization = 'orga', [string] $After = '') {
        $file = Join-Path $env:PFA_AZUREDEVOPS_HOME ('device-code-' + [guid]::NewGuid().ToString('N').Substring(0, 8) + '.ps1')
        Set-Content -Path $file -Encoding utf8 -Value @"
`$ErrorActionPreference = 'Stop'
Import-Module PfaAzureDevOps
$ChildControl
try {
    `$c = Connect-PfaAzureDevOps -UseDeviceCode -Organization $Organization -OrganizationUrl '$($Ado.HttpsUrl)/$Organization' -PassThru -WarningVariable shown -WarningAction SilentlyContinue
    `$shown | ForEach-Object { 'WARN=' + `$_.Message }
    'FLOW=' + `$c.Flow; 'PROVIDER=' + `$c.Provider; 'TENANT=' + `$c.TenantId
$After
}
catch { 'ERR=' + `$_.FullyQualifiedErrorId.Split(',')[0]; 'MSG=' + `$_.Exception.Message }
"@
        $psi = [Diagnostics.ProcessStartInfo]::new((Join-Path $PSHOME 'pwsh'))
        foreach ($a in '-NoProfile', '-NonInteractive', '-File', $file) { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.Environment['SSL_CERT_FILE'] = $Ado.CertificatePath
        $psi.Environment['CI'] = 'true'
        $psi.Environment['PFA_AZUREDEVOPS_HOME'] = $env:PFA_AZUREDEVOPS_HOME
        $p = [Diagnostics.Process]::Start($psi)
        try {
            $out = $p.StandardOutput.ReadToEndAsync()
            $err = $p.StandardError.ReadToEndAsync()
            $code = Wait-DeviceCode $ClientId $p
            if ($code) { Control POST '/_test/entra/devicecode/approve' @{ userCode = $code } | Out-Null }
            if (-not $p.WaitForExit(120000)) { $p.Kill($true) }
            $p.WaitForExit()
            $text = $out.GetAwaiter().GetResult() + $err.GetAwaiter().GetResult()
            [pscustomobject]@{ Code = $code; ExitCode = $p.ExitCode; Output = @($text -split "`r?`n"); Text = $text }
        }
        finally {
            if (-not $p.HasExited) { $p.Kill($true) }
            $p.Dispose()
        }
    }

    # Every sign-in that needs no process of its own, from the three Describes below, in ONE child (a pwsh with the
    # module and MSAL costs about 1 CPU s more than the sign-ins in it): each scenario has its own application (client
    # id), state home and environment, so nothing one leaves in MSAL's memory can serve another. Set up here, in the
    # order of the Describes; each Describe's cases read their scenarios' results from $Runs by name.
    Control POST '/_test/entra/settings' @{ accessTokenLifetimeSeconds = 3599 } | Out-Null
    Control DELETE '/_test/entra/errors' | Out-Null

    # Entra ID: public client flows: the system browser and an error before it.
    $script:HandOverHome = New-TestStateHome
    $script:HandOverApp = New-EntraApp
    # A launcher that hands the URL over and exits 0 at once (as xdg-open does): the "browser" it started posts once.
    $script:HandOverBrowser = New-FakeBrowser -HandOver

    $script:ConsentHome = New-TestStateHome
    $consentApp = New-EntraApp
    Control POST '/_test/entra/errors' @{ code = 65001; grant = 'device_code'; clientId = $consentApp.clientId; count = -1 } | Out-Null

    $script:SsoHome = New-TestStateHome
    $null = New-EntraApp
    # Still running past the early-failure window (3 s) and posting once, after half a second: MSAL must already listen.
    $script:SsoBrowser = New-FakeBrowser

    $orga = "-Organization orga -OrganizationUrl '$($Ado.HttpsUrl)/orga'"
    $publicScenarios = @(
        @{ Name = 'handover'; Home = $HandOverHome; Environment = @{ BROWSER = $HandOverBrowser }
            Script = "Connect-PfaAzureDevOps $orga -TimeoutSeconds 60 -WarningAction SilentlyContinue; $ShowConnection" }
        @{ Name = 'consent'; Home = $ConsentHome; Script = 'Connect-PfaAzureDevOps -UseDeviceCode -WarningAction SilentlyContinue' }
        @{ Name = 'sso'; Home = $SsoHome; Environment = @{ BROWSER = $SsoBrowser }
            Script = "`$sw = [Diagnostics.Stopwatch]::StartNew(); Connect-PfaAzureDevOps $orga -TimeoutSeconds 30 -WarningAction SilentlyContinue; 'SECONDS=' + [int]`$sw.Elapsed.TotalSeconds; $ShowConnection" }
    )

    # Entra ID: confidential client, authorization code + PKCE.
    # The paste path: the link from -NoBrowser (in this process), the authorize page's redirect.
    $script:PasteHome = New-TestStateHome
    $script:PasteApp = New-EntraApp -Confidential
    $script:Paste = Start-PastePath

    # The same with a certificate as the application's credential.
    $script:CertHome = New-TestStateHome
    $cert = New-TestCertificate 'pfa-web'
    $script:WebPfx = Join-Path $CertHome 'web.pfx'
    [IO.File]::WriteAllBytes($WebPfx, $cert.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pfx))
    $script:CertApp = Control POST '/_test/entra/apps' @{ tenant = $TenantA; name = 'PFA web cert'; confidential = $true; certificates = @([Convert]::ToBase64String($cert.RawData)); redirectUris = @('https://pfa.example.test/oauth2/azureDevOps') }
    Register-PfaAzureDevOpsApp -Provider EntraId -InstanceUrl https://pfa.example.test -ClientId $CertApp.clientId -TenantId $TenantA -AuthorizationServer $Ado.HttpsUrl `
        -CertificatePath $WebPfx -Scope CurrentUser -WarningAction SilentlyContinue -InformationAction SilentlyContinue
    $script:StoredCertPath = (Get-Content -Raw (Join-Path $CertHome 'CurrentUser/registration.json') | ConvertFrom-Json).certificatePath
    $script:CertPaste = Start-PastePath

    # An instance on this machine: Connect listens on its callback itself; the "browser" follows the redirects.
    $script:LoopbackHome = New-TestStateHome
    $listener = [System.Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
    $instance = "http://127.0.0.1:$port"
    $loopbackApp = Control POST '/_test/entra/apps' @{ tenant = $TenantA; name = 'PFA local'; confidential = $true; redirectUris = @("$instance/oauth2/azureDevOps") }
    Register-PfaAzureDevOpsApp -Provider EntraId -InstanceUrl $instance -ClientId $loopbackApp.clientId -TenantId $TenantA -AuthorizationServer $Ado.HttpsUrl `
        -ClientSecret (ConvertTo-SecureString $loopbackApp.clientSecret -AsPlainText -Force) -Scope CurrentUser -WarningAction SilentlyContinue -InformationAction SilentlyContinue
    $script:FollowBrowser = Join-Path $LoopbackHome 'follow.sh'
    Set-Content -Path $FollowBrowser -NoNewline -Value ("#!/bin/sh`nprintf '%s' `"`$1`" > '$FollowBrowser.url'`n(sleep 0.5; curl -s -L -o /dev/null --cacert '$($Ado.CertificatePath)' `"`$1`") >/dev/null 2>&1 &`nexit 0`n")
    chmod +x $FollowBrowser

    # The three redemptions in one child (each its own application and home); the paste path's code twice.
    $orga = "-Organization orga -OrganizationUrl '$($Ado.HttpsUrl)/orga'"
    $codeScenarios = @(
        @{ Name = 'paste'; Home = $PasteHome
            Script = "Connect-PfaAzureDevOps -CallbackUri '$($Paste.Redirect)' $orga -WarningAction SilentlyContinue; $ShowConnection`ntry { Connect-PfaAzureDevOps -CallbackUri '$($Paste.Redirect)'; 'AGAIN=NOERROR' } catch { 'AGAIN=' + `$_.FullyQualifiedErrorId.Split(',')[0] }" }
        @{ Name = 'certificate'; Home = $CertHome; Script = "Connect-PfaAzureDevOps -CallbackUri '$($CertPaste.Redirect)' $orga -WarningAction SilentlyContinue; $ShowConnection" }
        @{ Name = 'loopback'; Home = $LoopbackHome; Environment = @{ BROWSER = $FollowBrowser }
            Script = "Connect-PfaAzureDevOps $orga -TimeoutSeconds 30 -WarningAction SilentlyContinue; $ShowConnection" }
    )

    # Entra ID: pipelines and unattended agents.
    $spScript = { param($sp, $tenant, $org) "Connect-PfaAzureDevOps -ServicePrincipal -ClientId $($sp.clientId) -TenantId $tenant -ClientSecret (ConvertTo-SecureString '$($sp.clientSecret)' -AsPlainText -Force) -OrganizationUrl '$($Ado.HttpsUrl)/$org' -WarningAction SilentlyContinue" }

    $script:WrongHome = New-TestStateHome
    New-EntraApp | Out-Null
    $wrongSp = Control POST '/_test/entra/apps' @{ tenant = $TenantA; name = 'Agent'; confidential = $true }

    # Tenant A's agent (also the one that re-acquires in a new process below) and tenant B's, side by side.
    $script:HomeA = New-TestStateHome
    New-EntraApp -Tenant $TenantA | Out-Null
    $script:SpA = Control POST '/_test/entra/apps' @{ tenant = $TenantA; name = 'Agent A'; confidential = $true }
    $script:HomeB = New-TestStateHome
    New-EntraApp -Tenant $TenantB | Out-Null
    $script:SpB = Control POST '/_test/entra/apps' @{ tenant = $TenantB; name = 'Agent B'; confidential = $true }

    $script:AgentCertHome = New-TestStateHome
    New-EntraApp | Out-Null
    $cert = New-TestCertificate 'pfa-agent'
    $script:AgentPfx = Join-Path $AgentCertHome 'agent.pfx'
    [IO.File]::WriteAllBytes($AgentPfx, $cert.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pfx))
    $script:CertSp = Control POST '/_test/entra/apps' @{ tenant = $TenantA; name = 'Agent cert'; confidential = $true; certificates = @([Convert]::ToBase64String($cert.RawData)) }

    $script:MiHome = New-TestStateHome
    New-EntraApp | Out-Null
    $script:Mi = Control POST '/_test/entra/managed-identities' @{ tenant = $TenantA; name = 'agent-vm' }

    $agentScenarios = @(
        @{ Name = 'wrong'; Home = $WrongHome; Script = "Connect-PfaAzureDevOps -ServicePrincipal -ClientId $($wrongSp.clientId) -TenantId $TenantA -ClientSecret (ConvertTo-SecureString 'not-the-secret-42' -AsPlainText -Force)" }
        @{ Name = 'a'; Home = $HomeA
            Script = "$(& $spScript $SpA $TenantA 'orga'); $ShowConnection`ntry { $(& $spScript $SpA $TenantA 'orgb') -ErrorAction Stop; 'CROSS=NOERROR' } catch { 'CROSS=' + `$_.FullyQualifiedErrorId.Split(',')[0] }" }
        @{ Name = 'b'; Home = $HomeB; Script = "$(& $spScript $SpB $TenantB 'orgb'); $ShowConnection" }
        @{ Name = 'agentcertificate'; Home = $AgentCertHome
            Script = "Connect-PfaAzureDevOps -ServicePrincipal -ClientId $($CertSp.clientId) -TenantId $TenantA -CertificatePath '$AgentPfx' -OrganizationUrl '$($Ado.HttpsUrl)/orga' -WarningAction SilentlyContinue; $ShowConnection`n'CERTPATH=' + (Get-Content -Raw (Join-Path `$env:PFA_AZUREDEVOPS_HOME 'CurrentUser/connection.json') | ConvertFrom-Json).certificatePath`ntry { Connect-PfaAzureDevOps -ServicePrincipal -ClientId $($CertSp.clientId) -TenantId $TenantA; 'NOCREDENTIAL=NOERROR' } catch { 'NOCREDENTIAL=' + `$_.FullyQualifiedErrorId.Split(',')[0] }" }
        # MSAL keeps the managed identity source process-wide: the only managed identity in this child.
        @{ Name = 'identity'; Home = $MiHome; Environment = @{ IDENTITY_ENDPOINT = $Mi.identityEndpoint; IDENTITY_HEADER = $Mi.identityHeader }
            Script = "Connect-PfaAzureDevOps -Identity -OrganizationUrl '$($Ado.HttpsUrl)/orga' -WarningAction SilentlyContinue; $ShowConnection; 'LEN=' + (Get-PfaAzureDevOpsAccessToken -AsPlainText).Length" }
    )

    $script:Runs = Invoke-ChildScenarios ($publicScenarios + $codeScenarios + $agentScenarios)
}

AfterAll { Exit-TestSession }

Describe 'Entra ID: public client flows' {
    BeforeAll {
        Control POST '/_test/entra/settings' @{ accessTokenLifetimeSeconds = 3599 } | Out-Null
        Control DELETE '/_test/entra/errors' | Out-Null
    }

    Context 'the system browser and an error before it (one child, each sign-in with its own application and state home)' {
        It 'interactive: the system browser ($BROWSER) and MSAL''s loopback, recorded as an EntraId connection' {
            $r = $Runs.handover
            $r.Completed | Should -BeTrue -Because $r.Text
            Get-Content -Raw "$HandOverBrowser.url" | Should -Match '^https://127\.0\.0\.1:\d+/.+/oauth2/v2\.0/authorize\?' -Because 'the sign-in went through the browser'
            Read-Value $r 'FLOW' | Should -Be 'Interactive'
            Read-Value $r 'PROVIDER' | Should -Be 'EntraId'
            Read-Value $r 'TENANT' | Should -Be $TenantA
            Read-Value $r 'EMAIL' | Should -Not -BeNullOrEmpty
            Read-Value $r 'ORGID' | Should -Not -BeNullOrEmpty
            $HandOverApp | Should -Not -BeNullOrEmpty
        }

        It 'interactive: a browser that stays open and is redirected at once (SSO) reaches MSAL''s loopback on its only try' {
            $r = $Runs.sso
            $r.Completed | Should -BeTrue -Because $r.Text
            Test-Path "$SsoBrowser.url" | Should -BeTrue -Because 'the sign-in went through the browser'
            Read-Value $r 'FLOW' | Should -Be 'Interactive'
            Read-Value $r 'TENANT' | Should -Be $TenantA
            [int](Read-Value $r 'SECONDS') | Should -BeLessThan 30 -Because 'the sign-in must not wait out its timeout'
        }

        It 'consent required (AADSTS65001) gives EntraConsentRequired naming admin consent' {
            $r = $Runs.consent
            Read-Value $r 'ERR' | Should -Be 'EntraConsentRequired' -Because $r.Text
            Read-Value $r 'MSG' | Should -Match '(?i)consent'
        }
    }

    Context 'one device code sign-in, then its renewals in a new process (in this order)' {
        BeforeAll {
            $script:DeviceHome = New-TestStateHome
            Control POST '/_test/entra/settings' @{ accessTokenLifetimeSeconds = 120 } | Out-Null   # under the 5-minute margin: every use renews
            $script:DeviceApp = New-EntraApp
            # Once signed in, the process that signed in renews its 120-s token (under the 5-minute margin: every use
            # renews) with MFA demanded on every refresh: it cannot. An Entra refusal stays with the MSAL of the process
            # it came in (a later renewal there fails alike), so each refusal is the last step of its process.
            $script:Device = Connect-WithDeviceCode -ClientId $DeviceApp.clientId -After @'
    $null = Ctl POST '/_test/entra/errors' @{ code = 50076; grant = 'refresh_token'; count = -1 }
    $r = [int](Ctl GET '/_test/entra/counters').'token:refresh_token'
    try { $null = Get-PfaAzureDevOpsAccessToken; 'MFAERR=NOERROR' } catch { 'MFAERR=' + $_.FullyQualifiedErrorId.Split(',')[0]; 'MFAMSG=' + $_.Exception.Message }
    finally { $null = Ctl DELETE '/_test/entra/errors' }
    'MFATRIED=' + ([int](Ctl GET '/_test/entra/counters').'token:refresh_token' - $r)
'@
            $script:CacheFiles = @(Get-ChildItem (Join-Path $DeviceHome 'CurrentUser/secrets') -Filter 'entra-msal-user-*')

            # First, in the same new process: tenant A's service principal (connected by the file's child, its stored
            # token made stale here) re-acquires a token and reaches its organization with it (the case 'a service
            # principal with a client secret' below; another application, another state home).
            $path = Join-Path $HomeA 'CurrentUser/connection.json'
            $doc = Get-Content -Raw $path | ConvertFrom-Json
            $doc.accessTokenExpiresOn = [DateTimeOffset]::UtcNow.AddMinutes(-1).ToString('o')
            $doc | ConvertTo-Json -Depth 10 | Set-Content -Path $path -NoNewline
            # Then the process renews the 120-s token silently (the refusal above stayed in that process). Then, in the
            # same process (a fresh one is the point of the silent renewal only): tokens for an hour from now on: the
            # next use renews the short one once, then only -ForceRefresh redeems the refresh token; sign-in frequency
            # then refuses it (last); Disconnect signs out of MSAL.
            $script:Renewal = Invoke-Child -Script @"
`$env:PFA_AZUREDEVOPS_HOME = '$HomeA'
`$t = Get-PfaAzureDevOpsAccessToken -AsPlainText; `$h = @{ Authorization = 'Bearer ' + `$t; 'X-TFS-FedAuthRedirect' = 'Suppress' }; 'ORG=' + (Invoke-RestMethod -Uri '$($Ado.HttpsUrl)/orga/_apis/connectionData' -Headers `$h).instanceId; `$t = `$null
'VALID=' + (Get-PfaAzureDevOpsConnection).AccessTokenValid
`$env:PFA_AZUREDEVOPS_HOME = '$DeviceHome'
`$before = [int](Ctl GET '/_test/entra/counters').'token:refresh_token'
`$t = Get-PfaAzureDevOpsAccessToken -AsPlainText -Verbose 4>&1
'TOKEN=' + (@(`$t | Where-Object { `$_ -is [string] })[0].Length)
'VERBOSE=' + (@(`$t | Where-Object { `$_ -isnot [string] }) -join ' | ')
'RENEWALS=' + ([int](Ctl GET '/_test/entra/counters').'token:refresh_token' - `$before)

`$null = Ctl POST '/_test/entra/settings' @{ accessTokenLifetimeSeconds = 3599 }
`$null = Get-PfaAzureDevOpsAccessToken
`$b = [int](Ctl GET '/_test/entra/counters').'token:refresh_token'
'LEN=' + (Get-PfaAzureDevOpsAccessToken -ForceRefresh -AsPlainText).Length
`$m = [int](Ctl GET '/_test/entra/counters').'token:refresh_token'
`$null = Get-PfaAzureDevOpsAccessToken
'FORCED=' + (`$m - `$b)
'UNFORCED=' + ([int](Ctl GET '/_test/entra/counters').'token:refresh_token' - `$m)
`$null = Ctl POST '/_test/entra/errors' @{ code = 70043; grant = 'refresh_token'; clientId = '$($DeviceApp.clientId)'; count = -1 }
try { `$null = Get-PfaAzureDevOpsAccessToken -ForceRefresh; 'SIFERR=NOERROR' } catch { 'SIFERR=' + `$_.FullyQualifiedErrorId.Split(',')[0]; 'SIFMSG=' + `$_.Exception.Message }
finally { `$null = Ctl DELETE '/_test/entra/errors' }
Disconnect-PfaAzureDevOps -Force -Verbose 4>&1 | ForEach-Object { 'DISCONNECT=' + `$_ }
"@
            $script:Forced = $Renewal
        }

        It 'device code: the code is shown as a warning and approved while Connect waits; the connection is EntraId, DeviceCode' {
            $Device.Code | Should -Not -BeNullOrEmpty -Because "Connect must ask for a device code: $($Device.Text)"
            Read-Value $Device 'ERR' | Should -BeNullOrEmpty -Because $Device.Text
            $warning = @($Device.Output | Where-Object { $_ -like 'WARN=*' })
            "$warning" | Should -Match ([regex]::Escape($Device.Code))
            Read-Value $Device 'FLOW' | Should -Be 'DeviceCode'
            Read-Value $Device 'PROVIDER' | Should -Be 'EntraId'
            Read-Value $Device 'TENANT' | Should -Be $TenantA
            $CacheFiles.Count | Should -BeGreaterThan 0 -Because 'MSAL''s cache is kept in the vault'
        }

        It 'silent renewal in a new process: a token under the 5-minute margin is renewed from MSAL''s cache' {
            $Renewal.ExitCode | Should -Be 0 -Because $Renewal.Text
            [int](Read-Value $Renewal 'TOKEN') | Should -BeGreaterThan 100
            [int](Read-Value $Renewal 'RENEWALS') | Should -BeGreaterThan 0
            Read-Value $Renewal 'VERBOSE' | Should -Match 'silently'
        }

        It 'MFA required on renewal (AADSTS50076) gives EntraMfaRequired telling to reconnect interactively' {
            Read-Value $Device 'MFAERR' | Should -Be 'EntraMfaRequired' -Because $Device.Text
            Read-Value $Device 'MFATRIED' | Should -Be '1' -Because 'the 120-s token is renewed, and Entra refuses the renewal'
            Read-Value $Device 'MFAMSG' | Should -Match 'Connect-PfaAzureDevOps'
        }

        It '-ForceRefresh redeems the refresh token (a valid token alone is not); sign-in frequency (AADSTS70043) then gives EntraSignInFrequency' {
            $Forced.ExitCode | Should -Be 0 -Because $Forced.Text
            [int](Read-Value $Forced 'LEN') | Should -BeGreaterThan 100
            Read-Value $Forced 'FORCED' | Should -Be '1' -Because $Forced.Text
            Read-Value $Forced 'UNFORCED' | Should -Be '0' -Because 'a token valid for an hour is returned as it is'
            Read-Value $Forced 'SIFERR' | Should -Be 'EntraSignInFrequency' -Because $Forced.Text
            Read-Value $Forced 'SIFMSG' | Should -Match 'Connect-PfaAzureDevOps'
        }

        It 'Disconnect clears MSAL''s cache; then there is no connection' {
            (@($Forced.Output -like 'DISCONNECT=*') -join "`n") | Should -Match 'Cleared 1 account' -Because $Forced.Text
            @(Get-ChildItem (Join-Path $DeviceHome 'CurrentUser/secrets') -Filter 'entra-msal-user-*').Count | Should -Be 0
            $env:PFA_AZUREDEVOPS_HOME = $DeviceHome
            (Get-LocalError { Get-PfaAzureDevOpsAccessToken }).Id | Should -Be 'NotConnected'
        }
    }
}

Describe 'Entra ID: confidential client, authorization code + PKCE' {
    It 'the paste path: -NoBrowser prints the link, -CallbackUri redeems the code with the PKCE verifier' {
        $Paste.Links.Count | Should -Be 1 -Because $Paste.Shown
        $Paste.Links[0] | Should -Match 'code_challenge='
        $Paste.Status | Should -Be 302 -Because $Paste.Content
        $Paste.Redirect | Should -Match '^https://pfa\.example\.test/oauth2/azureDevOps\?.*code='
        $r = $Runs.paste
        Read-Value $r 'FLOW' | Should -Be 'AuthorizationCode' -Because $r.Text
        Read-Value $r 'TENANT' | Should -Be $TenantA
        Read-Value $r 'ORGID' | Should -Not -BeNullOrEmpty
        Read-Value $r 'AGAIN' | Should -Be 'NoPendingAuthorization' -Because 'a code is redeemed once'
        $r.Completed | Should -BeTrue -Because $r.Text
        $PasteApp | Should -Not -BeNullOrEmpty
    }

    It 'Register -CertificatePath stores the certificate; the paste path signs the code redemption with it' {
        $StoredCertPath | Should -Be $WebPfx
        $CertPaste.Links.Count | Should -Be 1 -Because $CertPaste.Shown
        $CertPaste.Redirect | Should -Match 'code=' -Because $CertPaste.Content
        $r = $Runs.certificate
        $r.Completed | Should -BeTrue -Because $r.Text
        Read-Value $r 'FLOW' | Should -Be 'AuthorizationCode'
        $env:PFA_AZUREDEVOPS_HOME = $CertHome
        { Register-PfaAzureDevOpsApp -Provider EntraId -InstanceUrl https://pfa.example.test -ClientId $CertApp.clientId -CertificatePath $WebPfx -ClientSecret (ConvertTo-SecureString x -AsPlainText -Force) -Scope CurrentUser -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'ClientCredentialConflict*'
    }

    It 'Connect listens on the instance''s loopback callback and redeems the code (browser follows the redirect)' {
        $r = $Runs.loopback
        $r.Completed | Should -BeTrue -Because $r.Text
        Test-Path "$FollowBrowser.url" | Should -BeTrue -Because 'the sign-in went through the browser'
        Read-Value $r 'FLOW' | Should -Be 'AuthorizationCode'
        Read-Value $r 'TENANT' | Should -Be $TenantA
    }

    Context 'in a non-interactive session (a pipeline step run by pwsh -File)' {
        BeforeAll {
            $script:StepHome = New-TestStateHome
            New-EntraApp -Confidential | Out-Null
            $pwsh = Join-Path $PSHOME 'pwsh'
            $file = Join-Path $StepHome 'step.ps1'
            $errors = Join-Path $StepHome 'step.err'
            $saved = $env:CI, $env:SSL_CERT_FILE
            $env:CI = 'true'; $env:SSL_CERT_FILE = $Ado.CertificatePath
            try {
                Set-Content -Path $file -Value "`$ErrorActionPreference = 'Stop'`n`$ErrorView = 'NormalView'`nImport-Module PfaAzureDevOps`nConnect-PfaAzureDevOps -Organization orga`n'AFTER'"
                $sw = [Diagnostics.Stopwatch]::StartNew()
                $out = @(& $pwsh -NoProfile -NonInteractive -File $file 2> $errors)
                $script:Stop = [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $out; Errors = (Get-Content -Raw $errors); Seconds = $sw.Elapsed.TotalSeconds
                    Pending = Test-Path (Join-Path $StepHome 'CurrentUser/pending-authorization.json') }

                # The same step without 'Stop': the error is written (non-terminating) and the script goes on to exit 0.
                Set-Content -Path $file -Value "Import-Module PfaAzureDevOps`nConnect-PfaAzureDevOps -Organization orga`n'AFTER'"
                $out = @(& $pwsh -NoProfile -NonInteractive -File $file 2> $errors)
                $script:Continue = [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $out; Errors = (Get-Content -Raw $errors) }
            }
            finally { $env:CI, $env:SSL_CERT_FILE = $saved }
        }

        It 'without -NoBrowser it fails at once (exit code not 0) and says how to finish; nothing is pending' {
            $Stop.Seconds | Should -BeLessThan 60
            $Stop.ExitCode | Should -Not -Be 0 -Because "$($Stop.Output) $($Stop.Errors)"
            $said = ($Stop.Errors -replace '\s+', ' ')
            $said | Should -Match 'CallbackAddressPromptUnavailable'
            $said | Should -Match 'Connect-PfaAzureDevOps -NoBrowser'
            $said | Should -Match '-CallbackUri'
            "$($Stop.Output) $($Stop.Errors)" | Should -Not -Match 'https://\S+/oauth2/v2\.0/authorize'
            $Stop.Pending | Should -BeFalse
        }

        It 'a pipeline step with $ErrorActionPreference = ''Stop'' (no trap) (NormalView: the id on stderr) exits non-zero; without it the error does not stop the script' {
            $Stop.ExitCode | Should -Not -Be 0 -Because "$($Stop.Output) $($Stop.Errors)"
            $Stop.Output | Should -Not -Contain 'AFTER'
            $Stop.Errors | Should -Match 'CallbackAddressPromptUnavailable'
            $Continue.ExitCode | Should -Be 0 -Because "$($Continue.Output) $($Continue.Errors)"
            $Continue.Output | Should -Contain 'AFTER'
            $Continue.Errors | Should -Match 'session is non-interactive'
        }
    }
}

Describe 'Entra ID: pipelines and unattended agents' {
    It 'an access token: stored without a profile check, returned until it expires, then EntraAccessTokenExpired' {
        # No call to the authorization server: all in this process.
        New-TestStateHome | Out-Null
        New-EntraApp | Out-Null
        $token = New-PipelineToken
        $said = Connect-PfaAzureDevOps -AccessToken (ConvertTo-SecureString $token -AsPlainText -Force) -Organization orga -WarningAction SilentlyContinue -Verbose *>&1 | Out-String
        $c = Get-PfaAzureDevOpsConnection
        $c.Flow | Should -Be 'AccessToken'
        $c.TenantId | Should -Be $TenantA
        Get-PfaAzureDevOpsAccessToken -AsPlainText | Should -BeExactly $token
        $said + ($c | Format-List * | Out-String) | Should -Not -Match ([regex]::Escape($token))

        $path = Join-Path $env:PFA_AZUREDEVOPS_HOME 'CurrentUser/connection.json'
        $doc = Get-Content -Raw $path | ConvertFrom-Json
        $doc.accessTokenExpiresOn = [DateTimeOffset]::UtcNow.AddMinutes(-1).ToString('o')
        $doc | ConvertTo-Json -Depth 10 | Set-Content -Path $path -NoNewline
        $e = Get-LocalError { Get-PfaAzureDevOpsAccessToken }
        $e.Id | Should -Be 'EntraAccessTokenExpired'
        $e.Message | Should -Match 'new one'
    }

    It 'a service principal with a client secret: connects, checks the organization, re-acquires in a new process' {
        $r = $Runs.a
        Read-Value $r 'FLOW' | Should -Be 'ServicePrincipal' -Because $r.Text
        Read-Value $r 'USER' | Should -Be $SpA.servicePrincipalId
        Read-Value $r 'ORGID' | Should -Not -BeNullOrEmpty
        $r.Text | Should -Not -Match ([regex]::Escape($SpA.clientSecret))

        # Re-acquired (its stored token made stale) in the new process of the device-code context's renewal, first.
        $g = $Renewal
        $g | Should -Not -BeNullOrEmpty -Because 'the renewal process of "one device code sign-in, then its renewals" (Describe 1) also re-acquires this principal: run the whole file, or look at that context''s failure first'
        $g.ExitCode | Should -Be 0 -Because $g.Text
        Read-Value $g 'ORG' | Should -Not -BeNullOrEmpty
        Read-Value $g 'VALID' | Should -Be 'True'
        $g.Text | Should -Not -Match ([regex]::Escape($SpA.clientSecret))
    }

    It 'a service principal with a certificate file (-CertificatePath, .pfx)' {
        $r = $Runs.agentcertificate
        Read-Value $r 'FLOW' | Should -Be 'ServicePrincipal' -Because $r.Text
        Read-Value $r 'USER' | Should -Be $CertSp.servicePrincipalId
        Read-Value $r 'CERTPATH' | Should -Be $AgentPfx
        Read-Value $r 'NOCREDENTIAL' | Should -Not -BeNullOrEmpty
        Read-Value $r 'NOCREDENTIAL' | Should -Not -Be 'NOERROR' -Because 'without a secret or a certificate there is nothing to sign in with'
    }

    It 'a wrong service principal secret gives EntraInvalidClientSecret without quoting it' {
        $r = $Runs.wrong
        Read-Value $r 'ERR' | Should -Be 'EntraInvalidClientSecret' -Because $r.Text
        $r.Text | Should -Not -Match 'not-the-secret-42'
    }

    It 'a managed identity (IDENTITY_ENDPOINT/IDENTITY_HEADER)' {
        $r = $Runs.identity
        $r.Completed | Should -BeTrue -Because $r.Text
        Read-Value $r 'FLOW' | Should -Be 'ManagedIdentity'
        Read-Value $r 'USER' | Should -Be $Mi.objectId
        Read-Value $r 'TENANT' | Should -Be $TenantA
        [int](Read-Value $r 'LEN') | Should -BeGreaterThan 100
    }

    It 'two tenants side by side: each connection has its own tenant and reaches only its own organization' {
        $Runs.a.Completed | Should -BeTrue -Because $Runs.a.Text
        $Runs.b.Completed | Should -BeTrue -Because $Runs.b.Text
        Read-Value $Runs.a 'TENANT' | Should -Be $TenantA
        Read-Value $Runs.b 'TENANT' | Should -Be $TenantB
        Read-Value $Runs.a 'CROSS' | Should -Not -BeNullOrEmpty -Because $Runs.a.Text
        Read-Value $Runs.a 'CROSS' | Should -Not -Be 'NOERROR' -Because 'tenant A''s agent cannot reach tenant B''s organization'
        $env:PFA_AZUREDEVOPS_HOME = $HomeA
        (Get-PfaAzureDevOpsConnection).TenantId | Should -Be $TenantA -Because 'the refused connection left the previous one'
        $env:PFA_AZUREDEVOPS_HOME = $HomeB
        (Get-PfaAzureDevOpsConnection).TenantId | Should -Be $TenantB
    }
}

Describe 'Entra ID: isolation and refusals' {
    It 'Register-PfaAzureDevOpsApp -Provider EntraId discovers the tenant from -OrganizationUrl' {
        New-TestStateHome | Out-Null
        $app = Control POST '/_test/entra/apps' @{ tenant = $TenantB; name = 'PFA desktop'; public = $true }
        $r = Register-PfaAzureDevOpsApp -Provider EntraId -InstanceUrl https://pfa.example.test -ClientId $app.clientId -OrganizationUrl "$($Ado.HttpUrl)/orgb" `
            -AuthorizationServer $Ado.HttpsUrl -Scope CurrentUser -PassThru -WarningAction SilentlyContinue
        $r.TenantId | Should -Be $TenantB
        # A valid client id (an Entra app's is clientId), so the refusal is the tenant's, not the id's.
        { Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl https://pfa.example.test -ClientId $app.clientId -Organization orgb -ClientSecret (ConvertTo-SecureString x -AsPlainText -Force) -Scope CurrentUser -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'TenantNotApplicable*'
    }

    Context 'Azure DevOps OAuth registrations never load MSAL (one new process: a registration without a connection, then a connection)' {
        BeforeAll {
            function script:Register-OAuthApp {
                $app = Control POST '/_test/apps' @{ name = 'PFA'; callbackUrl = 'https://pfa.example.test/oauth2/azureDevOps'; scopes = 'vso.code_write' }
                Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl https://pfa.example.test -ClientId $app.id -ClientSecret (ConvertTo-SecureString $app.clientSecret -AsPlainText -Force) `
                    -AuthorizationServer $Ado.HttpUrl -Scope CurrentUser -WarningAction SilentlyContinue -InformationAction SilentlyContinue
            }
            $refusingHome = New-TestStateHome
            Register-OAuthApp

            $connectedHome = New-TestStateHome
            Register-OAuthApp
            Connect-PfaAzureDevOps -NoBrowser -InformationVariable info -InformationAction SilentlyContinue 6>$null | Out-Null
            $link = @($info | ForEach-Object { "$_" } | Where-Object { $_ -match '^https?://\S+/oauth2/authorize\?' })[0]
            $page = Invoke-WebRequest -Uri $link -NoProxy
            $script:ConsentForm = $page.Content -match 'name="consentId" value="([^"]+)"'
            $answer = Invoke-WebRequest -Uri "$($Ado.HttpUrl)/oauth2/authorize" -Method Post -NoProxy -MaximumRedirection 0 -SkipHttpErrorCheck -ErrorAction SilentlyContinue `
                -ContentType 'application/x-www-form-urlencoded' -Body "consentId=$([uri]::EscapeDataString($Matches[1]))&decision=accept"
            Connect-PfaAzureDevOps -CallbackUri ([string]$answer.Headers.Location[0]) -Organization orga -WarningAction SilentlyContinue -InformationAction SilentlyContinue

            $script:OAuth = Invoke-Child -Script @"
`$env:PFA_AZUREDEVOPS_HOME = '$refusingHome'
try { Connect-PfaAzureDevOps -UseDeviceCode } catch { 'ERR=' + `$_.FullyQualifiedErrorId.Split(',')[0] }
try { Get-PfaAzureDevOpsAccessToken } catch { 'ERR2=' + `$_.FullyQualifiedErrorId.Split(',')[0] }
`$env:PFA_AZUREDEVOPS_HOME = '$connectedHome'
`$t = Get-PfaAzureDevOpsAccessToken -ForceRefresh -AsPlainText -Verbose 4>&1
'REFRESHED=' + ((@(`$t) -join ' ') -match 'refreshed')
'PROVIDER=' + (Get-PfaAzureDevOpsConnection).Provider
'MSAL=' + ([AppDomain]::CurrentDomain.GetAssemblies().GetName().Name -contains 'Microsoft.Identity.Client')
"@
        }

        It 'an Azure DevOps OAuth registration refuses the Entra-only flows, and MSAL is not loaded by it' {
            Read-Value $OAuth 'ERR' | Should -Be 'ProviderNotSupported' -Because $OAuth.Text
            Read-Value $OAuth 'ERR2' | Should -Be 'NotConnected' -Because $OAuth.Text
            Read-Value $OAuth 'MSAL' | Should -Be 'False'
        }

        It 'an Azure DevOps OAuth connection renews its token without loading MSAL' {
            $ConsentForm | Should -BeTrue
            $OAuth.ExitCode | Should -Be 0 -Because $OAuth.Text
            Read-Value $OAuth 'PROVIDER' | Should -Be 'AzureDevOps'
            Read-Value $OAuth 'REFRESHED' | Should -Be 'True' -Because $OAuth.Text
            Read-Value $OAuth 'MSAL' | Should -Be 'False'
        }
    }
}
