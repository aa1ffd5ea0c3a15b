#requires -Modules Pester
# Issue 9, bad input, bad answers and hostile files (items 1, 2, 3, 10, 11, 12, 13, 16), through the public cmdlets
# against the local Azure DevOps. Every test names the item it covers. The rule each one checks lives in the engine once:
# the URL rule (UrlRules), the file rules (FileRules), bounded answers (AzureDevOpsHttp), stored documents as input.
BeforeDiscovery {
    $script:CanRun = $IsLinux -and [bool](Get-Command mkfifo -ErrorAction Ignore)
    $script:IsRoot = $IsLinux -and [Environment]::UserName -eq 'root'
}

Describe 'Hardening: bad input, bad answers, hostile files' -Skip:(-not $CanRun) {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../TestHelpers/TestHelpers.psm1') -Force
        $script:Session = Enter-TestSession -LocalAzureDevOps -StateHome
        $script:Ado = $Session.Ado
        $script:StateHome = $Session.StateHome
        $script:Port = ([uri]$Ado.HttpUrl).Port

        # Adds fault rules, runs the script, and returns how many requests the rules saw (0 = nothing was sent there).
        function script:Watch-Calls([object[]] $Rules, [scriptblock] $Script) {
            Control POST '/_test/faults' @{ rules = $Rules } | Out-Null
            try { & $Script }
            finally {
                $hits = (@(Control GET '/_test/faults') | ForEach-Object { $_ } | Measure-Object -Property hits -Sum).Sum
                Control DELETE '/_test/faults' | Out-Null
            }
            [int]$hits
        }
        # Every error of a call: its id, and none may be UnexpectedError (a raw .NET exception).
        function script:Get-ErrorId([scriptblock] $Script) {
            $err = $null
            try { & $Script -ErrorAction Stop | Out-Null } catch { $err = $_ }
            if ($null -eq $err) { return '(no error)' }
            $err.FullyQualifiedErrorId.Split(',')[0]
        }
        function script:Get-Error([scriptblock] $Script) {
            try { & $Script -ErrorAction Stop | Out-Null } catch { return $_ }
            $null
        }
        function script:Edit-Json([string] $Path, [scriptblock] $Edit) {
            $doc = Get-Content -Raw $Path | ConvertFrom-Json
            & $Edit $doc
            $doc | ConvertTo-Json -Depth 10 | Set-Content -Path $Path -NoNewline
        }
        # Runs a script in a separate runspace and gives up (Stop) after $Seconds; returns what happened and how long it took.
        function script:Invoke-Bounded([string] $Script, [int] $Seconds, [int] $StopAfterSeconds = 0) {
            $ps = [powershell]::Create()
            $null = $ps.AddScript("`$env:PFA_AZUREDEVOPS_HOME = '$($env:PFA_AZUREDEVOPS_HOME)'; `$env:CI = 'true'; Import-Module PfaAzureDevOps; " + $Script)
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $async = $ps.BeginInvoke()
            $stopped = $false
            if ($StopAfterSeconds -gt 0 -and -not $async.AsyncWaitHandle.WaitOne($StopAfterSeconds * 1000)) {
                $stopped = $true
                $stop = $ps.BeginStop($null, $null)
                $null = $stop.AsyncWaitHandle.WaitOne(($Seconds - $StopAfterSeconds) * 1000)
            }
            $ended = $async.AsyncWaitHandle.WaitOne([Math]::Max(0, $Seconds * 1000 - $watch.ElapsedMilliseconds))
            $watch.Stop()
            $errors = @($ps.Streams.Error | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] })
            [pscustomobject]@{ Ended = $ended -or $async.IsCompleted; Stopped = $stopped; Seconds = $watch.Elapsed.TotalSeconds; Errors = $errors; PowerShell = $ps }
        }

        $null = Control POST '/_test/orgs' @{ name = 'samplecorp' }
        $script:App = Register-TestApp
        $script:AppSecret = ConvertTo-SecureString $App.clientSecret -AsPlainText -Force
        Connect-TestUser
        # An RSA key (Azure DevOps takes RSA only) that is not what these tests are about: ssh-keygen's 2048 bits in a few
        # milliseconds, imported, instead of generating the module's own (up to seconds of CPU).
        function script:Import-TestRsaKey {
            $file = Join-Path $StateHome ('id_rsa_' + [guid]::NewGuid().ToString('N').Substring(0, 8))
            & ssh-keygen -q -t rsa -b 2048 -N '' -C 'pfa test key' -f $file
            if ($LASTEXITCODE) { throw "ssh-keygen failed ($LASTEXITCODE)" }
            $null = Import-PfaSshKey -Path $file -Force -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        }
        Import-TestRsaKey
        $script:Registration = Join-Path $StateHome 'CurrentUser/registration.json'
        $script:Connection = Join-Path $StateHome 'CurrentUser/connection.json'
        $script:KeyDocument = Join-Path $StateHome 'CurrentUser/ssh/key.json'
        # A host name that resolves to 127.0.0.1 is still a name: the rule takes only literal loopback addresses.
        $script:NamedHttp = "http://localhost:$Port"
        $script:KeyRoutes = @(@{ pathPrefix = '/samplecorp'; status = 500; count = -1 }, @{ pathPrefix = '/vssps/samplecorp'; status = 500; count = -1 })
    }

    AfterAll { Exit-TestSession }

    Context 'item 1: one URL rule for every cmdlet (https, or http to a literal loopback address)' {
        It 'the SSH key cmdlets and the integration check send nothing to http://<name>, even one that resolves to 127.0.0.1' {
            $pat = ConvertTo-SecureString (Control POST '/_test/tokens' @{}).accessToken -AsPlainText -Force
            $ids = @()
            $hits = Watch-Calls $KeyRoutes {
                $script:ids = @(
                    (Get-ErrorId { Get-AzDevOpsSshKey -OrganizationUrl "$NamedHttp/samplecorp" })
                    (Get-ErrorId { Get-AzDevOpsSshKey -OrganizationUrl "$NamedHttp/samplecorp" -PersonalAccessToken $pat })
                    (Get-ErrorId { Add-AzDevOpsSshKey -VsspsUrl "$NamedHttp/vssps/samplecorp" })
                    (Get-ErrorId { Remove-AzDevOpsSshKey -Id ([guid]::NewGuid()) -OrganizationUrl "$NamedHttp/samplecorp" -PersonalAccessToken $pat -Force })
                )
                $script:check = Test-PfaAzureDevOpsIntegration -OrganizationUrl "$NamedHttp/samplecorp" -PersonalAccessToken $pat | Where-Object Name -EQ 'SshKeyRegistered'
            }
            $hits | Should -Be 0
            $script:ids | Should -Be @('InvalidServerUrl', 'InvalidServerUrl', 'InvalidServerUrl', 'InvalidServerUrl')
            $script:check.Result | Should -Be 'Fail'
            $script:check.Message | Should -Match 'must use https'
        }

        It 'Register and Set refuse http://<name> as the authorization server; the literal loopback address works' {
            Get-ErrorId { Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa.example.test' -ClientId $App.id -ClientSecret $AppSecret -AuthorizationServer $NamedHttp -Scope CurrentUser -Force } | Should -Be 'InvalidServerUrl'
            Get-ErrorId { Set-PfaAzureDevOpsApp -Scope CurrentUser -AuthorizationServer $NamedHttp } | Should -Be 'InvalidServerUrl'
            (Get-PfaAzureDevOpsApp -Scope CurrentUser).AuthorizationServer | Should -Be ([uri]$Ado.HttpUrl)
        }

        It 'a stored URL that breaks the rule is never called (the connection is reported, not used)' {
            Copy-Item $Connection "$Connection.good"
            try {
                Edit-Json $Connection { param($d) $d.organizationUrl = "$NamedHttp/samplecorp" }
                $ids = $null
                $hits = Watch-Calls $KeyRoutes { $script:ids = Get-ErrorId { Get-AzDevOpsSshKey } }
                $hits | Should -Be 0
                $script:ids | Should -Be 'StoreFileCorrupt'
            }
            finally { Move-Item "$Connection.good" $Connection -Force }
        }
    }

    Context 'item 2: Export-PfaSshKey -Force replaces only a regular file' {
        It 'refuses a FIFO (as it would a device node) even with -Force, and leaves it as it was' {
            $fifo = Join-Path $StateHome 'export-fifo'
            & mkfifo $fifo
            Get-ErrorId { Export-PfaSshKey -Path $fifo -Force } | Should -Be 'NotARegularFile'
            & test -p $fifo; $LASTEXITCODE | Should -Be 0
            Get-ErrorId { Export-PfaSshKey -Path (Join-Path $StateHome 'pub-fifo-target') -Force } | Should -Be '(no error)'
            $pubFifo = Join-Path $StateHome 'second'
            & mkfifo "$pubFifo.pub"
            Get-ErrorId { Export-PfaSshKey -Path $pubFifo -Force } | Should -Be 'NotARegularFile'
            Test-Path $pubFifo | Should -BeFalse -Because 'nothing is written when one of the two files is refused'
            # (Never aimed at a real device node here: on code without this rule, as root, that would replace it for every process.)
        }

        It 'still replaces a symbolic link by a file and leaves its target alone' {
            $target = Join-Path $StateHome 'link-target'
            Set-Content $target 'keep me'
            $link = Join-Path $StateHome 'export-link'
            New-Item -ItemType SymbolicLink -Path $link -Target $target | Out-Null
            Export-PfaSshKey -Path $link -Force | Out-Null
            Get-Content $target | Should -Be 'keep me'
            (Get-Item $link).LinkType | Should -BeNullOrEmpty
        }
    }

    Context 'item 3: no user info in any URL, never echoed' {
        It 'refuses a password in -AuthorizationServer, -InstanceUrl and -OrganizationUrl without repeating it' {
            $before = Get-Content -Raw $Registration
            foreach ($call in @(
                    { Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa.example.test' -ClientId $App.id -ClientSecret $AppSecret -AuthorizationServer 'https://admin:hunter2pw@app.example.test' -Scope CurrentUser -Force },
                    { Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://admin:hunter2pw@pfa.example.test' -ClientId $App.id -ClientSecret $AppSecret -Scope CurrentUser -Force },
                    { Set-PfaAzureDevOpsApp -Scope CurrentUser -AuthorizationServer 'https://admin:hunter2pw@app.example.test' },
                    { Get-AzDevOpsSshKey -OrganizationUrl 'https://admin:hunter2pw@dev.example.test/samplecorp' },
                    { Open-PfaAzureDevOpsAppRegistrationPage -InstanceUrl 'http://admin:hunter2pw@pfa.example.test' -NoBrowser })) {
                $err = Get-Error $call
                $err | Should -Not -BeNullOrEmpty
                $err.FullyQualifiedErrorId | Should -Match '^Invalid(Server|Instance)Url,'
                $err.Exception.Message | Should -Match 'user name or password'
                ($err | Out-String) + $err.TargetObject | Should -Not -Match 'hunter2pw'
            }
            Get-Content -Raw $Registration | Should -Be $before
        }

        It 'a stored registration with user info is reported, not shown' {
            Copy-Item $Registration "$Registration.good"
            try {
                Edit-Json $Registration { param($d) $d.authorizationServer = 'https://admin:hunter2pw@app.example.test' }
                $err = Get-Error { Get-PfaAzureDevOpsApp -Scope CurrentUser }
                $err.FullyQualifiedErrorId | Should -Match '^StoreFileCorrupt,'
                $err.Exception.Message | Should -Not -Match 'hunter2pw'
            }
            finally { Move-Item "$Registration.good" $Registration -Force }
        }
    }

    Context 'item 10: bad input gets its own error id, never a raw .NET exception, and changes nothing' {
        It 'a store document with schemaVersion 1.5 or "scopes": null' {
            Copy-Item $Registration "$Registration.good"; Copy-Item $Connection "$Connection.good"
            try {
                Edit-Json $Registration { param($d) $d.schemaVersion = 1.5 }
                Get-ErrorId { Get-PfaAzureDevOpsApp -Scope CurrentUser } | Should -Be 'StoreFileCorrupt'
                Move-Item "$Registration.good" $Registration -Force
                Copy-Item $Registration "$Registration.good"
                Edit-Json $Registration { param($d) $d.scopes = $null }
                Get-ErrorId { Get-PfaAzureDevOpsApp -Scope CurrentUser } | Should -Be 'StoreFileCorrupt'
                Edit-Json $Connection { param($d) $d.schemaVersion = 1.5 }
                Get-ErrorId { Get-PfaAzureDevOpsAccessToken } | Should -Be 'StoreFileCorrupt'
                Move-Item "$Connection.good" $Connection -Force
                Copy-Item $Connection "$Connection.good"
                Edit-Json $Connection { param($d) $d.scopes = $null }
                Get-ErrorId { Get-PfaAzureDevOpsConnection } | Should -Be '(no error)'
                Get-ErrorId { Get-AzDevOpsSshKey } | Should -Be '(no error)'
            }
            finally { Move-Item "$Registration.good" $Registration -Force; Move-Item "$Connection.good" $Connection -Force }
        }

        It 'a folder as -Path, javascript: as a URL, an empty personal access token, -Timeout [timespan]::MaxValue' {
            Get-ErrorId { Add-AzDevOpsSshKey -Path $StateHome } | Should -Be 'PathIsFolder'
            Get-ErrorId { Get-AzDevOpsSshKey -OrganizationUrl 'javascript:alert(1)' } | Should -Be 'InvalidServerUrl'
            Get-ErrorId { Get-AzDevOpsSshKey -OrganizationUrl 'file:///etc/passwd' } | Should -Be 'InvalidServerUrl'
            Get-ErrorId { Get-AzDevOpsSshKey -PersonalAccessToken ([securestring]::new()) } | Should -Be 'PersonalAccessTokenEmpty'
            Get-ErrorId { Test-PfaAzureDevOpsSshAccess 'ssh://git@127.0.0.1:1/v3/a/b/c' -Timeout ([timespan]::MaxValue) } | Should -Be 'TimeoutInvalid'
            Get-ErrorId { Test-PfaAzureDevOpsSshAccess 'ssh://git@127.0.0.1:1/v3/a/b/c' -Timeout ([timespan]::FromDays(3)) } | Should -Be 'TimeoutInvalid'
        }

        It 'a token answer with expires_in 1e30, or a 64 MB token, is refused and the stored connection stays as it was' {
            $before = Get-PfaAzureDevOpsConnection
            # The connection as stored, without the refresh journal (a name written before each refresh is sent, issue 9 item 15).
            function script:Get-StoredConnection { Get-Content -Raw $Connection | ConvertFrom-Json | Select-Object -Property * -ExcludeProperty pending* | ConvertTo-Json -Depth 5 }
            $document = Get-StoredConnection
            foreach ($rule in @(
                    @{ pathPrefix = '/oauth2/token'; body = '{"access_token":"a","refresh_token":"r","token_type":"jwt-bearer","expires_in":"1e30"}'; count = -1 },
                    @{ pathPrefix = '/oauth2/token'; body = '{"access_token":"a","refresh_token":"r","token_type":"jwt-bearer","expires_in":-5}'; count = -1 },
                    @{ pathPrefix = '/oauth2/token'; body = ('{"access_token":"' + ('t' * 100KB) + '","refresh_token":"r","token_type":"jwt-bearer","expires_in":"3599"}'); count = -1 },
                    @{ pathPrefix = '/oauth2/token'; bodyBytes = 64MB; bodyPrefix = '{"refresh_token":"r","token_type":"jwt-bearer","expires_in":"3599","access_token":"'; count = -1 })) {
                $id = $null
                $hits = Watch-Calls @($rule) { $script:id = Get-ErrorId { Get-PfaAzureDevOpsAccessToken -ForceRefresh } }
                $hits | Should -Be 1
                $script:id | Should -BeIn 'OAuthInvalidTokenResponse', 'ResponseTooLarge'
                Get-StoredConnection | Should -Be $document
            }
            # The refresh token the server never rotated still works.
            Get-PfaAzureDevOpsAccessToken -ForceRefresh | Should -BeOfType ([securestring])
            (Get-PfaAzureDevOpsConnection).UserId | Should -Be $before.UserId
        }
    }

    Context 'item 10 through MSAL (Microsoft Entra ID): answers are bounded there too' {
        It 'a 64 MB token answer to a service principal is not read, and nothing is stored' {
            $saved = $env:PFA_AZUREDEVOPS_HOME
            $entraHome = Join-Path $StateHome 'entra-home'
            New-Item -ItemType Directory $entraHome | Out-Null
            $env:PFA_AZUREDEVOPS_HOME = $entraHome
            try {
                $tenant = (Control POST '/_test/entra/tenants' @{ name = 'Contoso'; domain = 'contoso-hardening.test' }).id
                $app = Control POST '/_test/entra/apps' @{ tenant = $tenant; name = 'PFA desktop'; public = $true }
                Register-PfaAzureDevOpsApp -Provider EntraId -InstanceUrl 'https://pfa.example.test' -ClientId $app.clientId -TenantId $tenant -AuthorizationServer $Ado.HttpsUrl -Scope CurrentUser -WarningAction SilentlyContinue
                $sp = Control POST '/_test/entra/apps' @{ tenant = $tenant; name = 'Agent'; confidential = $true }
                $run = $null
                $hits = Watch-Calls @(@{ pathPrefix = "/$tenant/oauth2/v2.0/token"; bodyBytes = 64MB; bodyPrefix = '{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"'; count = -1 }) {
                    $script:run = Invoke-FreshPwsh -Environment @{ SSL_CERT_FILE = $Ado.CertificatePath; PFA_AZUREDEVOPS_HOME = $entraHome; CI = 'true' } -Script (
                        "Import-Module PfaAzureDevOps; `$w = [Diagnostics.Stopwatch]::StartNew(); try { Connect-PfaAzureDevOps -ServicePrincipal -ClientId $($sp.clientId) -TenantId $tenant " +
                        "-ClientSecret (ConvertTo-SecureString '$($sp.clientSecret)' -AsPlainText -Force) -ErrorAction Stop -WarningAction SilentlyContinue; 'RESULT connected' } " +
                        "catch { 'RESULT ' + `$_.FullyQualifiedErrorId.Split(',')[0] + ' ' + `$_.Exception.GetType().Name }; 'SECONDS ' + [int]`$w.Elapsed.TotalSeconds")
                }
                $hits | Should -BeGreaterThan 0
                $script:run.Text | Should -Match 'RESULT \w+ '
                $script:run.Text | Should -Not -Match 'RESULT (connected|UnexpectedError)'
                Test-Path (Join-Path $entraHome 'CurrentUser/connection.json') | Should -BeFalse
                @(Get-ChildItem (Join-Path $entraHome 'CurrentUser') -Recurse -File | Where-Object Length -GT 1MB) | Should -BeNullOrEmpty
            }
            finally { $env:PFA_AZUREDEVOPS_HOME = $saved }
        }
    }

    Context 'item 11: no wrong successes' {
        It 'Get-AzDevOpsSshKey against an answer of the wrong shape, wrong JSON types or 64 MB fails instead of listing nothing' {
            $route = '/samplecorp/_apis/Token/SessionTokens'
            foreach ($case in @(
                    @{ rule = @{ count = -1; pathPrefix = $route; body = '{"count":1,"value":"nope"}' }; id = 'AzDevOpsSshKeyInvalidResponse' },
                    @{ rule = @{ count = -1; pathPrefix = $route; body = '{"count":1,"value":[42]}' }; id = 'AzDevOpsSshKeyInvalidResponse' },
                    @{ rule = @{ count = -1; pathPrefix = $route; body = '{"count":1,"value":[{"authorizationId":7,"displayName":[]}]}' }; id = 'AzDevOpsSshKeyInvalidResponse' },
                    @{ rule = @{ count = -1; pathPrefix = $route; body = 'true' }; id = 'AzDevOpsSshKeyInvalidResponse' },
                    @{ rule = @{ count = -1; pathPrefix = $route; bodyBytes = 64MB }; id = 'ResponseTooLarge' })) {
                $id = $null
                $null = Watch-Calls @($case.rule) { $script:id = Get-ErrorId { Get-AzDevOpsSshKey } }
                $script:id | Should -Be $case.id -Because ($case.rule | ConvertTo-Json -Compress)
            }
            Get-ErrorId { Get-AzDevOpsSshKey } | Should -Be '(no error)'
        }

        It 'Connect refuses a connectionData of [] and keeps the previous connection' {
            $document = Get-Content -Raw $Connection
            $err = $null
            $null = Watch-Calls @(@{ pathPrefix = '/samplecorp/_apis/connectionData'; body = '[]' }) { $script:err = Get-Error { Connect-TestUser } }
            $script:err.FullyQualifiedErrorId | Should -Match '^AzureDevOpsInvalidResponse,'
            Get-Content -Raw $Connection | Should -Be $document
        }

        It 'Entra registration does not store "common" when tenant discovery answers 500 or HTML' {
            foreach ($rule in @(@{ pathPrefix = '/samplecorp'; method = 'HEAD'; status = 500; count = -1 }, @{ pathPrefix = '/samplecorp'; method = 'HEAD'; body = '<html>sign in</html>'; contentType = 'text/html'; count = -1 })) {
                $id = $null
                $hits = Watch-Calls @($rule) {
                    $script:id = Get-ErrorId { Register-PfaAzureDevOpsApp -Provider EntraId -InstanceUrl 'https://pfa.example.test' -ClientId ([guid]::NewGuid()) -OrganizationUrl "$($Ado.HttpUrl)/samplecorp" -Scope CurrentUser -Force }
                }
                $hits | Should -Be 1
                $script:id | Should -Be 'TenantDiscoveryFailed'
                (Get-PfaAzureDevOpsApp -Scope CurrentUser).ClientId | Should -Be ([guid]$App.id)
            }
        }

        It 'Register -Force with invalid data (missing certificate, bad thumbprint, bad scope) keeps the good registration' {
            $before = Get-Content -Raw $Registration
            $base = @{ InstanceUrl = 'https://pfa.example.test'; ClientId = [guid]::NewGuid(); Provider = 'EntraId'; TenantId = 'contoso.onmicrosoft.com'; Scope = 'CurrentUser'; Force = $true }
            Get-ErrorId { Register-PfaAzureDevOpsApp @base -CertificatePath '/nonexistent/app.pfx' } | Should -Be 'EntraCertificateNotFound'
            Get-ErrorId { Register-PfaAzureDevOpsApp @base -CertificatePath $StateHome } | Should -Be 'PathIsFolder'
            $notCert = Join-Path $StateHome 'not-a-cert.pfx'; Set-Content $notCert 'hello'
            Get-ErrorId { Register-PfaAzureDevOpsApp @base -CertificatePath $notCert } | Should -Be 'EntraCertificateUnreadable'
            Get-ErrorId { Register-PfaAzureDevOpsApp @base -CertificateThumbprint 'not-a-thumbprint' } | Should -Be 'InvalidCertificateThumbprint'
            Get-ErrorId { Register-PfaAzureDevOpsApp @base -OAuthScope "$([guid]::NewGuid())/vso.code_write;rm" } | Should -Be 'InvalidOAuthScope'
            Get-ErrorId { Set-PfaAzureDevOpsApp -Scope CurrentUser -OAuthScope "vso.code_write`u{0007}" } | Should -Be 'InvalidOAuthScope'
            Get-Content -Raw $Registration | Should -Be $before
        }

        It 'Export-PfaSshKey -Path "   " writes nothing' {
            Push-Location $StateHome
            try { Get-ErrorId { Export-PfaSshKey -Path '   ' -Force } | Should -Be 'InvalidPath' }
            finally { Pop-Location }
            Test-Path -LiteralPath (Join-Path $StateHome '   ') | Should -BeFalse
        }
    }

    Context 'item 12: stored documents are input (names stay inside the store, URLs pass the rule)' {
        It 'a secret name "../../x" is never read as a token, nor deleted by Disconnect, Unregister -Force or Remove-PfaSshKey -Force' {
            $victim = Join-Path $StateHome 'victim.bin'
            Set-Content $victim 'not a token'
            $rel = '../../victim'
            foreach ($case in @(
                    @{ file = $Connection; field = 'accessTokenSecret'; call = { Get-PfaAzureDevOpsAccessToken }; then = { Disconnect-PfaAzureDevOps -Force } },
                    @{ file = $Registration; field = 'clientSecretName'; call = { Get-PfaAzureDevOpsApp -Scope CurrentUser }; then = { Unregister-PfaAzureDevOpsApp -Scope CurrentUser -Force } },
                    @{ file = $KeyDocument; field = 'secretName'; call = { Get-PfaSshPublicKey }; then = { Remove-PfaSshKey -Force } })) {
                Copy-Item $case.file "$($case.file).good"
                try {
                    Edit-Json $case.file { param($d) $d.($case.field) = $rel }
                    Get-ErrorId $case.call | Should -Be 'StoreFileCorrupt' -Because $case.field
                    $null = Get-ErrorId $case.then
                    Test-Path $victim | Should -BeTrue -Because "$($case.field) must not reach a file outside the store"
                }
                finally { if (Test-Path "$($case.file).good") { Move-Item "$($case.file).good" $case.file -Force } }
            }
            Get-Content $victim | Should -Be 'not a token'
            # Nothing was lost: the saved documents are back, and their secrets are intact.
            Get-PfaAzureDevOpsAccessToken | Should -BeOfType ([securestring])
        }

        It 'a stored authorizationServer http://evil.example or instanceUrl javascript: is reported, not called or shown' {
            Copy-Item $Registration "$Registration.good"
            try {
                Edit-Json $Registration { param($d) $d.authorizationServer = 'http://evil.example' }
                Get-ErrorId { Get-PfaAzureDevOpsApp -Scope CurrentUser } | Should -Be 'StoreFileCorrupt'
                Get-ErrorId { Connect-PfaAzureDevOps -NoBrowser -InformationAction SilentlyContinue } | Should -Be 'StoreFileCorrupt'
                Move-Item "$Registration.good" $Registration -Force
                Copy-Item $Registration "$Registration.good"
                Edit-Json $Registration { param($d) $d.instanceUrl = 'javascript:alert(1)' }
                Get-ErrorId { Get-PfaAzureDevOpsApp -Scope CurrentUser } | Should -Be 'StoreFileCorrupt'
            }
            finally { Move-Item "$Registration.good" $Registration -Force }
        }
    }

    Context 'item 13: every wait is bounded and cancellable' {
        It 'a FIFO as -Path (Add-AzDevOpsSshKey, Import-PfaSshKey) or -KnownHostsPath is refused at once' {
            $fifo = Join-Path $StateHome 'input-fifo'
            & mkfifo $fifo
            try {
                $run = Invoke-Bounded "Add-AzDevOpsSshKey -Path '$fifo'; Test-PfaAzureDevOpsSshAccess 'ssh://git@127.0.0.1:1/v3/a/b/c' -KnownHostsPath '$fifo'; Import-PfaSshKey -Path '$fifo' -Force" -Seconds 20
                $run.Ended | Should -BeTrue
                $run.Errors | Should -Be @('NotARegularFile', 'NotARegularFile', 'NotARegularFile')
            }
            finally {
                # Code that blocks on the FIFO (as before this fix) is released by a writer, so the run can end.
                if ($run -and -not $run.Ended) { 1..3 | ForEach-Object { & timeout 2 sh -c "echo x > '$fifo'" } }
                if ($run -and $run.PowerShell.InvocationStateInfo.State -ne 'Running') { $run.PowerShell.Dispose() }
            }
        }

        It 'a REST call to a server that never answers stops on Ctrl+C at once, and times out by itself within 30 s' {
            Control POST '/_test/faults' @{ rules = @(@{ pathPrefix = '/samplecorp/_apis/Token'; hang = $true; count = -1 }) } | Out-Null
            try {
                $run = Invoke-Bounded 'Get-AzDevOpsSshKey' -Seconds 15 -StopAfterSeconds 2
                $run.Ended | Should -BeTrue
                $run.Seconds | Should -BeLessThan 8
                $run.PowerShell.Dispose()
                $run = Invoke-Bounded 'Get-AzDevOpsSshKey' -Seconds 45
                $run.Ended | Should -BeTrue
                $run.Errors | Should -Be @('AzureDevOpsTimeout')
                $run.Seconds | Should -BeLessThan 40
                $run.PowerShell.Dispose()
            }
            finally { Control DELETE '/_test/faults' | Out-Null }
        }
    }

    Context 'item 16: smaller ones' {
        It 'a relative PFA_AZUREDEVOPS_HOME is refused with what to do' {
            $saved = $env:PFA_AZUREDEVOPS_HOME
            try {
                $env:PFA_AZUREDEVOPS_HOME = 'relative/state'
                $err = Get-Error { Get-PfaAzureDevOpsConnection }
                $err.FullyQualifiedErrorId | Should -Match '^StateHomeNotAbsolute,'
                $err.Exception.Message | Should -Match 'absolute'
            }
            finally { $env:PFA_AZUREDEVOPS_HOME = $saved }
        }

        It 'a read-only store is reported as such at once, not as a lock timeout or an elevation problem' -Skip:(-not $IsRoot) {
            $mount = Join-Path $StateHome 'ro'
            New-Item -ItemType Directory $mount | Out-Null
            & mount -t tmpfs -o size=1m tmpfs $mount
            $LASTEXITCODE | Should -Be 0
            try {
                New-Item -ItemType Directory (Join-Path $mount 'CurrentUser') | Out-Null
                & mount -o remount,ro $mount
                $saved = $env:PFA_AZUREDEVOPS_HOME
                $env:PFA_AZUREDEVOPS_HOME = $mount
                try {
                    $watch = [Diagnostics.Stopwatch]::StartNew()
                    $err = Get-Error { Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa.example.test' -ClientId $App.id -ClientSecret $AppSecret -Scope CurrentUser }
                    $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
                    $err.FullyQualifiedErrorId | Should -Match '^StoreReadOnly,'
                    $err.Exception.Message | Should -Not -Match 'elevated'
                }
                finally { $env:PFA_AZUREDEVOPS_HOME = $saved }
            }
            finally { & umount $mount }
        }

        It 'Export-PfaSshKey racing New-PfaSshKey -Force exports one whole key, never "private key missing"' {
            # The other process: a plain child pwsh (a background job would cost this process its remoting machinery too).
            $psi = [Diagnostics.ProcessStartInfo]::new((Join-Path $PSHOME 'pwsh'))
            foreach ($a in '-NoProfile', '-NonInteractive', '-Command', "Import-Module '$((Get-Module PfaAzureDevOps).Path.Replace('.dll', '.psd1'))'; for (`$i = 0; `$i -lt 25; `$i++) { `$null = New-PfaSshKey -KeyType Ed25519 -Force -WarningAction SilentlyContinue -InformationAction SilentlyContinue }") { $psi.ArgumentList.Add($a) }
            $psi.UseShellExecute = $false
            $psi.RedirectStandardOutput = $true
            $psi.Environment['PFA_AZUREDEVOPS_HOME'] = $env:PFA_AZUREDEVOPS_HOME
            $psi.Environment['CI'] = 'true'
            $racer = [Diagnostics.Process]::Start($psi)
            try {
                $racerOutput = $racer.StandardOutput.ReadToEndAsync()
                $ids = @()
                $n = 0
                while (-not $racer.HasExited -or $n -lt 5) {
                    $n++
                    $ids += Get-ErrorId { Export-PfaSshKey -Path (Join-Path $StateHome 'race') -Force }
                    if ($n -gt 400) { break }
                }
                if (-not $racer.WaitForExit(120000)) { $racer.Kill($true) }
                $racer.WaitForExit()
                $racer.ExitCode | Should -Be 0 -Because $racerOutput.GetAwaiter().GetResult()
            }
            finally {
                if (-not $racer.HasExited) { $racer.Kill($true) }
                $racer.Dispose()
            }
            $ids | Where-Object { $_ -ne '(no error)' } | Should -BeNullOrEmpty
            Import-TestRsaKey
        }
    }
}
