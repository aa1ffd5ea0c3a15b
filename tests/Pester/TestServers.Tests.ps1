#requires -Modules Pester
# The local Azure DevOps's lifetime (tests/TestServers): it lives until Stop-LocalAzureDevOps or until the process that
# started it is gone, whatever that process's terminal does. In an interactive pwsh, Ctrl+C on any command sends
# SIGINT to the terminal's whole foreground process group; the emulator was in it and stopped (connection refused a
# minute later). The cases run the starting pwsh as a child in a process group of its own, standing in for the terminal's.
BeforeDiscovery {
    $script:CanRun = $IsLinux -and (Test-Path /usr/bin/setsid) -and (Test-Path /usr/bin/env)
    if ($CanRun) { & /usr/bin/env --default-signal=INT true 2>$null; $script:CanRun = $LASTEXITCODE -eq 0 }
}

Describe 'The local Azure DevOps''s lifetime' -Skip:(-not $CanRun) {
    BeforeAll {
        $script:Helpers = (Resolve-Path (Join-Path $PSScriptRoot '../TestHelpers/LocalAzureDevOps.psm1')).Path
        $script:Pwsh = Join-Path $PSHOME 'pwsh'

        # A pwsh in a session and process group of its own (setsid execs in place: its PID leads the group) that starts
        # the emulator, writes what the test needs to $Info, then runs $Then. Returns the child process.
        function script:Start-Starter([string] $Info, [string] $Then) {
            $script = Join-Path ([IO.Path]::GetTempPath()) ('pfa-starter-' + [guid]::NewGuid().ToString('N') + '.ps1')
            Set-Content -Path $script -Encoding utf8 -Value @"
`$ErrorActionPreference = 'Stop'
Import-Module '$Helpers'
`$ado = Start-LocalAzureDevOps
`$health = `$ado.HttpUrl.TrimEnd('/') + '/_test/health'
[IO.File]::WriteAllText('$Info.tmp', (@{ pid = `$ado.Pid; health = `$health } | ConvertTo-Json))
[IO.File]::Move('$Info.tmp', '$Info')
$Then
"@
            # env --default-signal: a test run started in the background of a shell inherits SIGINT ignored, and so would
            # the emulator, which would then pass the Ctrl+C case for the wrong reason.
            $psi = [Diagnostics.ProcessStartInfo]::new('/usr/bin/setsid')
            foreach ($a in @('/usr/bin/env', '--default-signal=INT,QUIT,HUP', $Pwsh, '-NoProfile', '-NonInteractive', '-File', $script)) { $psi.ArgumentList.Add($a) }
            $psi.UseShellExecute = $false
            $psi.RedirectStandardInput = $true
            $psi.RedirectStandardOutput = $true
            $psi.RedirectStandardError = $true
            $p = [Diagnostics.Process]::Start($psi)
            $p.StandardInput.Close()
            $null = $p.StandardOutput.ReadToEndAsync(); $null = $p.StandardError.ReadToEndAsync()
            $deadline = [DateTime]::UtcNow.AddSeconds(120)
            while (-not (Test-Path $Info) -and -not $p.HasExited -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            Test-Path $Info | Should -BeTrue -Because 'the starter pwsh reports the emulator it started'
            $p
        }

        function script:Test-Alive([int] $ProcessId) { Test-Path "/proc/$ProcessId" }

        function script:Wait-Gone([int] $ProcessId, [int] $Seconds) {
            $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
            while ((Test-Alive $ProcessId) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
            -not (Test-Alive $ProcessId)
        }

        $script:Children = [Collections.Generic.List[Diagnostics.Process]]::new()
        $script:Servers = [Collections.Generic.List[int]]::new()

        # One starter serves both cases (a starter pwsh and an emulator cost about 1.5 CPU s): the kill -9 case needs a
        # starter that is alive with its emulator running, and the one that lived through the Ctrl+C is exactly that.
        # The starter waits in a .NET call, which pwsh's Ctrl+C handler does not interrupt: it outlives the SIGINT as an
        # interactive pwsh does (so the watchdog has no reason to act), while the emulator gets it if it is in the group.
        $script:StarterInfo = Join-Path ([IO.Path]::GetTempPath()) ('pfa-starter-' + [guid]::NewGuid().ToString('N') + '.json')
        $script:Starter = Start-Starter -Info $StarterInfo -Then '[Threading.Thread]::Sleep(300000)'
        $Children.Add($Starter)
        $script:Started = Get-Content $StarterInfo -Raw | ConvertFrom-Json
        $Servers.Add([int]$Started.pid)
        Remove-Item $StarterInfo -ErrorAction Ignore
    }

    AfterAll {
        foreach ($p in $Children) { if (-not $p.HasExited) { $p.Kill($true) }; $p.Dispose() }
        foreach ($id in $Servers) { if (Test-Alive $id) { & kill -KILL $id 2>$null } }
    }

    It 'Ctrl+C in the pwsh that started it (SIGINT to its process group) does not stop it' {
        (Invoke-RestMethod -Uri $Started.health -NoProxy).ok | Should -BeTrue
        & /usr/bin/kill -s INT -- "-$($Starter.Id)"   # what the terminal does on Ctrl+C: every process of its foreground group
        Start-Sleep -Seconds 3                        # ASP.NET Core stops within a moment of SIGINT
        Test-Alive $Starter.Id | Should -BeTrue -Because 'the starter itself lives on, as an interactive pwsh does'
        Test-Alive $Started.pid | Should -BeTrue -Because 'SIGINT to the starter''s process group must not reach the emulator'
        (Invoke-RestMethod -Uri $Started.health -NoProxy).ok | Should -BeTrue
    }

    It 'it is stopped when the pwsh that started it is gone (kill -9), and never outlives it' {
        Test-Alive $Starter.Id | Should -BeTrue -Because 'the starter is still waiting'
        Test-Alive $Started.pid | Should -BeTrue
        $Starter.Kill()   # this PID only: SIGKILL, so nothing of the starter runs any more
        Wait-Gone -ProcessId $Started.pid -Seconds 30 | Should -BeTrue -Because 'the watchdog stops the emulator once its starter is gone'
    }
}

# The worker's shared local Azure DevOps (tests/TestServers/WorkerAzureDevOps.cs): the files of a Pester worker reuse one
# emulator, reset to the state of a fresh start for each of them. A file may depend on nothing the previous one left:
# the first case fills every kind of state the emulator keeps, resets, and compares every control read with what the same
# server answered fresh; what no read shows (tokens, codes, consents, the Entra key, managed identities, the callback
# switch, repositories on disk, a request still in flight) is checked by using it.
Describe 'The worker''s shared local Azure DevOps' -Skip:(-not $IsLinux) {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../TestHelpers/TestHelpers.psm1') -Force
        $script:Reads = '/_test/users', '/_test/apps', '/_test/authorizations', '/_test/settings', '/_test/counters', '/_test/orgs', '/_test/faults',
            '/_test/ssh/keys', '/_test/entra/tenants', '/_test/entra/apps', '/_test/entra/devicecode', '/_test/entra/errors', '/_test/entra/settings',
            '/_test/entra/counters', '/_test/entra/authorize-log'
        # Every control read, as JSON, with the seeded user's id (new at each start and reset) replaced by a fixed word.
        function script:Get-ControlState($Ado) {
            $seeded = [string](Invoke-LocalAzureDevOpsControl -Instance $Ado -Path /_test/users).signedInUserId
            $all = [ordered]@{}
            foreach ($path in $Reads) { $all[$path] = Invoke-LocalAzureDevOpsControl -Instance $Ado -Path $path }
            $all['ssh/config'] = Invoke-LocalAzureDevOpsControl -Instance $Ado -Method POST -Path /_test/ssh/config -Body @{}
            (ConvertTo-Json -InputObject $all -Depth 20 -Compress).Replace($seeded, 'SEEDED-USER')
        }
        function script:Invoke-Status([string] $Uri, [string] $Method = 'GET', [hashtable] $Headers = @{}, $Body, [string] $ContentType) {
            $p = @{ Uri = $Uri; Method = $Method; Headers = $Headers; NoProxy = $true; SkipHttpErrorCheck = $true; MaximumRedirection = 0; ErrorAction = 'SilentlyContinue' }
            if ($PSBoundParameters.ContainsKey('Body')) { $p.Body = $Body; $p.ContentType = $ContentType }
            (Invoke-WebRequest @p).StatusCode
        }
    }

    It 'a reset leaves nothing of the previous user: every read as fresh, tokens, codes, keys, repositories and requests in flight gone, late ones refused' {
        $ado = Start-LocalAzureDevOps -WithSsh -AllowHttpCallbacks
        $client = [Net.Http.HttpClient]::new([Net.Http.SocketsHttpHandler]@{ UseProxy = $false })
        try {
            $fresh = Get-ControlState $ado
            $C = { param($m, $p, $b) if ($PSBoundParameters.ContainsKey('b')) { Invoke-LocalAzureDevOpsControl -Instance $ado -Method $m -Path $p -Body $b } else { Invoke-LocalAzureDevOpsControl -Instance $ado -Method $m -Path $p } }
            $H = $ado.HttpUrl

            # Users, apps, tokens, settings, counters, organizations, repositories, policies.
            $user = & $C POST /_test/users @{ displayName = 'Other User' }
            $null = & $C POST /_test/signed-in-user @{ id = $user.id }
            $app = & $C POST /_test/apps @{ name = 'Http'; callbackUrl = 'http://127.0.0.1:9/cb'; scopes = 'vso.code_write' }
            $null = & $C POST "/_test/apps/$($app.id)/rotate-secret" @{}
            $token = (& $C POST /_test/tokens @{}).accessToken
            $null = & $C POST /_test/settings @{ accessTokenLifetimeSeconds = 5; codeLifetimeSeconds = 6; refreshTokenLifetimeSeconds = 7 }
            $org = & $C POST /_test/orgs @{ name = 'org1'; members = @($user.id) }
            $null = & $C POST /_test/orgs/org1/policies @{ thirdPartyOAuthDisabled = $true }
            $repo = & $C POST /_test/orgs/org1/repos @{ project = 'proj'; repo = 'repo' }
            Test-Path -LiteralPath (Join-Path $repo.path 'HEAD') | Should -BeTrue
            Invoke-Status "$H/oauth2/token" POST -Body 'grant_type=nothing' -ContentType 'application/x-www-form-urlencoded' | Should -Be 400
            # A consent pending for an http:// callback (allowed: -AllowHttpCallbacks), and an authorization with its code.
            $authorize = "$H/oauth2/authorize?client_id=$($app.id)&response_type=Assertion&state=s&scope=vso.code_write&redirect_uri=$([uri]::EscapeDataString('http://127.0.0.1:9/cb'))"
            $page = Invoke-WebRequest -Uri $authorize -NoProxy
            $page.Content -match 'name="consentId" value="([^"]+)"' | Should -BeTrue
            $consentId = $Matches[1]
            Invoke-WebRequest -Uri $authorize -NoProxy | Out-Null
            # An SSH key (sshd asks /_test/ssh/authorized-keys), a new-key delay.
            $pub = $ado.SshHostPublicKey   # any RSA public key will do
            $keyBody = @{ contributionIds = @('ms.vss-token-web.personal-access-token-issue-session-token-provider')
                dataProviderContext = @{ properties = @{ displayName = 'k'; publicData = $pub; validTo = '2099-01-01T00:00:00Z'; scope = 'app_token'; isPublic = $true; targetAccounts = @($org.instanceId) } } } | ConvertTo-Json -Depth 10 -Compress
            Invoke-Status "$H/org1/_apis/Contribution/HierarchyQuery" POST -Headers @{ Authorization = "Bearer $token"; Accept = 'application/json;api-version=5.0-preview.1' } -Body $keyBody -ContentType 'application/json' | Should -Be 200
            $blob = $pub.Split(' ')[1]
            $null = & $C POST /_test/ssh/config @{ newKeyDelaySeconds = 1 }
            Start-Sleep -Milliseconds 1100
            (Invoke-WebRequest -Uri "$H/_test/ssh/authorized-keys?type=ssh-rsa&key=$([uri]::EscapeDataString($blob))" -NoProxy).Content | Should -Match 'command='
            # Entra: a tenant, apps, a managed identity, a device code, an error rule, settings, counters, the authorize log, a token.
            $tenant = & $C POST /_test/entra/tenants @{ domain = 'reset.example' }
            $sp = & $C POST /_test/entra/apps @{ tenant = $tenant.id; confidential = $true }
            $public = & $C POST /_test/entra/apps @{ tenant = $tenant.id; public = $true }
            $mi = & $C POST /_test/entra/managed-identities @{ tenant = $tenant.id }
            $null = & $C POST /_test/entra/errors @{ code = 50076; count = -1; clientId = $public.clientId }
            $null = & $C POST /_test/entra/settings @{ deviceCodeIntervalSeconds = 3; refreshTokenReuseSeconds = 9 }
            $resource = '499b84ac-1321-427f-aa17-267ca6975798'
            Invoke-Status "$H/$($tenant.id)/oauth2/v2.0/devicecode" POST -Body "client_id=$($public.clientId)&scope=$resource/.default" -ContentType 'application/x-www-form-urlencoded' | Should -Be 200
            Invoke-Status "$H/$($tenant.id)/oauth2/v2.0/authorize?client_id=$($public.clientId)&response_type=code&redirect_uri=http%3A%2F%2Flocalhost&scope=$resource%2F.default" | Out-Null
            $spToken = Invoke-RestMethod -Method Post -Uri "$H/$($tenant.id)/oauth2/v2.0/token" -NoProxy -ContentType 'application/x-www-form-urlencoded' `
                -Body "grant_type=client_credentials&client_id=$($sp.clientId)&client_secret=$([uri]::EscapeDataString($sp.clientSecret))&scope=$resource%2F.default"
            $kid = (Invoke-RestMethod -Uri "$H/$($tenant.id)/discovery/v2.0/keys" -NoProxy).keys[0].kid
            $msi = "$($mi.identityEndpoint)?api-version=2019-08-01&resource=$resource"
            Invoke-Status $msi -Headers @{ 'X-IDENTITY-HEADER' = $mi.identityHeader } | Should -Be 200
            # Faults: one for ever, and a request hanging in one now.
            $null = & $C POST /_test/faults @(@{ pathPrefix = '/_apis/connectionData'; status = 503; count = -1 }, @{ pathPrefix = '/_apis/hang'; hang = $true })
            $hanging = $client.GetAsync("$H/_apis/hang")
            Start-Sleep -Milliseconds 300
            $hanging.IsCompleted | Should -BeFalse
            # What the previous user did works until the reset, and the state differs from a fresh start.
            Invoke-Status "$H/_apis/profile/profiles/me" -Headers @{ Authorization = "Bearer $token" } | Should -Be 200
            Invoke-Status "$H/_apis/profile/profiles/me" -Headers @{ Authorization = "Bearer $($spToken.access_token)" } | Should -Be 200
            Get-ControlState $ado | Should -Not -Be $fresh

            $ado.Server.Reset($false, $true, [TimeSpan]::FromSeconds(30))

            try { $null = $hanging.Wait(5000) } catch { $null = $_ }   # it ends with the connection reset
            $hanging.IsCompleted | Should -BeTrue -Because 'the reset ends every request still in flight'
            Get-ControlState $ado | Should -Be $fresh -Because 'every control read answers as a fresh start did (users, apps, settings, counters, orgs, faults, keys, SSH settings, Entra)'
            Test-Path -LiteralPath $repo.path | Should -BeFalse -Because 'the repositories on disk are deleted'
            Invoke-Status "$H/_apis/profile/profiles/me" -Headers @{ Authorization = "Bearer $token"; 'X-TFS-FedAuthRedirect' = 'Suppress' } | Should -Be 401
            Invoke-Status "$H/_apis/profile/profiles/me" -Headers @{ Authorization = "Bearer $($spToken.access_token)"; 'X-TFS-FedAuthRedirect' = 'Suppress' } | Should -Be 401
            (Invoke-RestMethod -Uri "$H/common/discovery/v2.0/keys" -NoProxy).keys[0].kid | Should -Not -Be $kid -Because 'the Entra signing key is new'
            Invoke-Status $msi -Headers @{ 'X-IDENTITY-HEADER' = $mi.identityHeader } | Should -Be 401
            Invoke-Status "$H/oauth2/authorize" POST -Body "consentId=$consentId&decision=accept" -ContentType 'application/x-www-form-urlencoded' | Should -Not -Be 302
            (Invoke-WebRequest -Uri "$H/_test/ssh/authorized-keys?type=ssh-rsa&key=$([uri]::EscapeDataString($blob))" -NoProxy).Content | Should -BeNullOrEmpty
            Invoke-Status "$H/_apis/connectionData" | Should -Not -Be 503
            # http:// callbacks follow the reset's switch.
            $again = & $C POST /_test/apps @{ name = 'Http'; callbackUrl = 'http://127.0.0.1:9/cb'; scopes = 'vso.code_write' }
            $authorize = "$H/oauth2/authorize?client_id=$($again.id)&response_type=Assertion&state=s&scope=vso.code_write&redirect_uri=$([uri]::EscapeDataString('http://127.0.0.1:9/cb'))"
            (Invoke-WebRequest -Uri $authorize -NoProxy -SkipHttpErrorCheck).Content | Should -Not -Match 'name="consentId"'
            $ado.Server.Reset($true, $true, [TimeSpan]::FromSeconds(30))
            $again = & $C POST /_test/apps @{ name = 'Http'; callbackUrl = 'http://127.0.0.1:9/cb'; scopes = 'vso.code_write' }
            $authorize = "$H/oauth2/authorize?client_id=$($again.id)&response_type=Assertion&state=s&scope=vso.code_write&redirect_uri=$([uri]::EscapeDataString('http://127.0.0.1:9/cb'))"
            (Invoke-WebRequest -Uri $authorize -NoProxy).Content | Should -Match 'name="consentId"'

            # A request that arrives while a reset runs (a late client of the previous user: a child it left, a retry) is
            # refused at once, not run beside the restore, where it could leave its state to the next user. holdMs (an
            # emulator knob) keeps this reset between "nothing in flight" and the restore long enough to send one.
            $json = { param($text) [Net.Http.StringContent]::new($text, [Text.Encoding]::UTF8, 'application/json') }
            $resetting = $client.PostAsync("$H/_test/reset", (& $json '{"holdMs":1500}'))
            $statuses = [Collections.Generic.List[int]]::new()
            while (-not $resetting.IsCompleted -and -not $statuses.Contains(503)) {
                try {
                    $response = $client.PostAsync("$H/_test/orgs", (& $json ('{"name":"late' + $statuses.Count + '"}'))).GetAwaiter().GetResult()
                    $statuses.Add([int]$response.StatusCode); $response.Dispose()
                }
                catch [Net.Http.HttpRequestException] { $statuses.Add(0) }   # registered before the reset: aborted by it
            }
            $statuses | Should -Contain 503 -Because 'every request but the reset is refused while a reset runs'
            $resetting.Wait(30000) | Should -BeTrue
            [int]$resetting.Result.StatusCode | Should -Be 200
            $orgs = & $C GET /_test/orgs   # one JSON array, not enumerated
            $orgs.Count | Should -Be 0 -Because 'no organization posted before or during the reset survives it, and the requests after it are served again'
        }
        finally { $client.Dispose(); Stop-LocalAzureDevOps $ado }
    }

    It 'Enter-TestSession lends a worker one server at a time, reset for each session; a nested session gets its own, which Stop-LocalAzureDevOps stops with its watchdog by PID; the worker stops it' {
        $saved = $env:PFA_TEST_REPOSITORY
        $env:PFA_TEST_REPOSITORY = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
        try {
            $first = (Enter-TestSession -LocalAzureDevOps).Ado
            $first.Shared | Should -BeTrue
            $null = Control POST /_test/orgs @{ name = 'left-behind' }
            $inner = (Enter-TestSession -LocalAzureDevOps).Ado
            $inner.Shared | Should -BeFalse -Because 'the worker''s server is lent to the outer session'
            $inner.Pid | Should -Not -Be $first.Pid
            $watchdog = $inner.Server.WatchdogId
            $watchdog | Should -BeGreaterThan 0
            Test-Path "/proc/$watchdog" | Should -BeTrue
            Exit-TestSession   # Stop-LocalAzureDevOps on the session's own server: by PID, with its watchdog
            Test-Path "/proc/$($inner.Pid)" | Should -BeFalse -Because 'a session''s own server stops with it (Stop-LocalAzureDevOps)'
            $deadline = [DateTime]::UtcNow.AddSeconds(10)
            while ((Test-Path "/proc/$watchdog") -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
            Test-Path "/proc/$watchdog" | Should -BeFalse -Because 'Stop-LocalAzureDevOps stops the watchdog too'
            Exit-TestSession
            Test-Path "/proc/$($first.Pid)" | Should -BeTrue -Because 'the worker''s server outlives the session'

            $second = (Enter-TestSession -LocalAzureDevOps -WithSsh).Ado
            $second.Pid | Should -Be $first.Pid
            $second.SshPort | Should -BeGreaterThan 0
            $orgs = Control GET /_test/orgs   # one JSON array, not enumerated
            $orgs.Count | Should -Be 0 -Because 'the next session finds it reset'
            $null = Control POST /_test/orgs @{ name = 'org1' }
            $null = Control POST /_test/orgs/org1/repos @{ project = 'p'; repo = 'r' }
            (Invoke-RestMethod -Uri "$($second.HttpUrl)/org1/p/_apis/git/repositories" -Headers @{ Authorization = 'Bearer ' + (Control POST /_test/tokens @{}).accessToken } -NoProxy).value[0].sshUrl |
                Should -Be "ssh://$($second.SshUser)@127.0.0.1:$($second.SshPort)/v3/org1/p/r"
            Exit-TestSession

            & kill -KILL $second.Pid
            Start-Sleep -Milliseconds 200
            $replaced = [PfaAzureDevOps.TestServers.WorkerAzureDevOps]::Replaced
            $savedError = [Console]::Error
            $said = [IO.StringWriter]::new()
            [Console]::SetError($said)   # the worker's stderr, which goes to its log (worker<N>.log)
            try { $third = (Enter-TestSession -LocalAzureDevOps).Ado }
            finally { [Console]::SetError($savedError) }
            $third.Pid | Should -Not -Be $second.Pid -Because 'a server that is gone is replaced'
            "$said" | Should -Match "WorkerAzureDevOps: replacing the worker's local Azure DevOps \($([regex]::Escape($second.HttpUrl)).*no longer running" -Because 'a replacement says why in the worker''s log, so a reset that no longer works is seen'
            [PfaAzureDevOps.TestServers.WorkerAzureDevOps]::Replaced | Should -Be ($replaced + 1)
            (Control GET /_test/health).ok | Should -BeTrue
            Exit-TestSession

            Stop-WorkerAzureDevOps   # what tests/Invoke-PesterRun.ps1 does when its queue is empty
            Test-Path "/proc/$($third.Pid)" | Should -BeFalse
            Test-Path $third.RunDirectory | Should -BeFalse
        }
        finally {
            while ((Get-Module TestHelpers) -and $(try { Get-TestAzureDevOps; $true } catch { $false })) { Exit-TestSession }
            Stop-WorkerAzureDevOps
            $env:PFA_TEST_REPOSITORY = $saved
        }
    }
}

Describe 'The sshd launcher counts only its own listening socket' -Skip:(-not ($IsLinux -and (Test-Path /usr/sbin/sshd) -and (Test-Path /proc/net/tcp))) {
    # A port that accepts is not proof: another server that drew the same free port (another worker's emulator sshd,
    # with the checkout's one host key) would answer while this sshd failed to bind, and refuse every key it never saw
    # (a "still refused the SSH key" that no retry mends). Sshd.Start waits for a listening socket of its own PID.
    It 'sees its sshd''s socket on its port and not a stranger''s listener on another' {
        Import-Module (Join-Path $PSScriptRoot '../TestHelpers/LocalAzureDevOps.psm1') -Force
        $dir = Join-Path ([IO.Path]::GetTempPath()) ('pfa-sshd-own-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        $null = New-Item -ItemType Directory $dir
        $stranger = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        try {
            & ssh-keygen -q -t ed25519 -N '' -f "$dir/host" | Out-Null
            $sshd = Start-LocalSshd -Directory $dir -Name own -ConfigLines @("HostKey $dir/host", 'UsePAM no', 'LogLevel ERROR')
            $process = $sshd.GetType().GetField('_process', [Reflection.BindingFlags]'NonPublic,Instance').GetValue($sshd)
            $listensOn = $sshd.GetType().GetMethod('ListensOn', [Reflection.BindingFlags]'NonPublic,Static')
            $stranger.Start()
            $listensOn.Invoke($null, @($process, $sshd.Port, [TimeSpan]::FromSeconds(2))) | Should -BeTrue
            $listensOn.Invoke($null, @($process, $stranger.LocalEndpoint.Port, [TimeSpan]::FromMilliseconds(300))) | Should -BeFalse
        }
        finally {
            $stranger.Stop()
            if ($sshd) { $sshd.Dispose() }
            Remove-Item -Recurse -Force $dir -ErrorAction Ignore
        }
    }
}
