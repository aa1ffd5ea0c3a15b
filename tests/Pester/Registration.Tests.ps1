#requires -Modules Pester
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers/TestHelpers.psm1') -Force
    $script:Session = Enter-TestSession
    $script:ClientId = '6f1e5b1c-2d3e-4f50-8a9b-0c1d2e3f4a5b'
}

AfterAll { Exit-TestSession }

Describe 'Register-PfaAzureDevOpsApp' {
    BeforeAll {
        # The two non-interactive scripts of the cases below (an old-default script; a missing secret) in ONE fresh pwsh
        # (-NonInteractive, as Invoke-FreshPwsh runs it), in a state home of its own: each must fail before anything is
        # stored, so neither finds the other's state. The second's lines follow '##SECRET'.
        $home1 = New-TestStateHome
        $run = Invoke-FreshPwsh -Script @'
Import-Module PfaAzureDevOps
try { Register-PfaAzureDevOpsApp -InstanceUrl https://pfa.example.com -ClientId 6f1e5b1c-2d3e-4f50-8a9b-0c1d2e3f4a5b -Scope CurrentUser -ErrorAction Stop; 'no error' }
catch { $_.FullyQualifiedErrorId }
'##SECRET'
try { Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl https://pfa.example.com -ClientId 6f1e5b1c-2d3e-4f50-8a9b-0c1d2e3f4a5b -ErrorAction Stop; 'no error' }
catch { $_.FullyQualifiedErrorId; $_.Exception.Message }
'@
        $at = [array]::IndexOf($run.Output, '##SECRET')
        $script:OldDefaultRun = [pscustomobject]@{ Text = $(if ($at -ge 0) { $run.Output[0..($at - 1)] -join "`n" } else { $run.Text }) }
        $script:MissingSecretRun = [pscustomobject]@{ Text = $(if ($at -ge 0) { $run.Output[($at + 1)..($run.Output.Count - 1)] -join "`n" } else { $run.Text }) }
        $script:NonInteractiveFiles = @(Get-ChildItem -Recurse -File $home1 -ErrorAction SilentlyContinue)
        Remove-TestStateHome $home1
    }
    BeforeEach {
        $script:StateHome = New-TestStateHome
        $script:Secret = New-TestSecret
    }
    AfterEach { Remove-TestStateHome $script:StateHome }

    It 'stores the application with the derived callback URL and returns it with -PassThru' {
        $app = Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa.example.com/base/' -ClientId $ClientId -ClientSecret $Secret.Secure -SecretExpiresOn (Get-Date).AddDays(50) -PassThru -WarningAction SilentlyContinue
        $app | Should -BeOfType ([PfaAzureDevOps.PfaAzureDevOpsApp])
        $app.CallbackUrl | Should -Be 'https://pfa.example.com/base/oauth2/azureDevOps'
        $app.InstanceUrl | Should -Be 'https://pfa.example.com/base'
        $app.ClientId | Should -Be ([guid]$ClientId)
        $app.OAuthScope | Should -Be @('vso.code_write')
        $app.Scope | Should -Be 'AllUsers'
        $app.HasClientSecret | Should -BeTrue
        $app.SecretExpiresInDays | Should -Be 50
        $app.AuthorizationServer.AbsoluteUri | Should -Be 'https://app.vssps.visualstudio.com/'
        Test-Path (Join-Path $StateHome 'AllUsers/registration.json') | Should -BeTrue
    }

    It 'writes nothing to the pipeline without -PassThru' {
        Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa.example.com' -ClientId $ClientId -ClientSecret $Secret.Secure -WarningAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'builds the callback without a double slash for a root URL' {
        $app = Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://samplecorp.pipelines.com/' -ClientId $ClientId -ClientSecret $Secret.Secure -PassThru -WarningAction SilentlyContinue
        $app.CallbackUrl | Should -Be 'https://samplecorp.pipelines.com/oauth2/azureDevOps'
    }

    It 'accepts http for a loopback instance URL' {
        $app = Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'http://127.0.0.1:8080' -ClientId $ClientId -ClientSecret $Secret.Secure -PassThru -WarningAction SilentlyContinue
        $app.CallbackUrl | Should -Be 'http://127.0.0.1:8080/oauth2/azureDevOps'
    }

    It 'warns that Azure DevOps OAuth is being retired and that the secret expiry is unknown' {
        Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa.example.com' -ClientId $ClientId -ClientSecret $Secret.Secure -WarningVariable warnings -WarningAction SilentlyContinue
        ($warnings -join "`n") | Should -Match 'retired'
        ($warnings -join "`n") | Should -Match 'SecretExpiresOn'
    }

    It 'registers a Microsoft Entra ID public client without a secret' {
        $app = Register-PfaAzureDevOpsApp -Provider EntraId -InstanceUrl 'https://pfa.example.com' -ClientId $ClientId -TenantId 'contoso.onmicrosoft.com' -Scope CurrentUser -PassThru
        $app.Provider | Should -Be 'EntraId'
        $app.TenantId | Should -Be 'contoso.onmicrosoft.com'
        $app.HasClientSecret | Should -BeFalse
        $app.OAuthScope | Should -Be @('499b84ac-1321-427f-aa17-267ca6975798/vso.code_write')
        $app.Scope | Should -Be 'CurrentUser'
    }

    Context 'one default provider: Microsoft Entra ID, as for Open-PfaAzureDevOpsAppRegistrationPage' {
        It 'registers Entra ID without -Provider when the tenant is named' {
            $app = Register-PfaAzureDevOpsApp -InstanceUrl 'https://pfa.example.com' -ClientId $ClientId -TenantId 'contoso.onmicrosoft.com' -Scope CurrentUser -PassThru -WarningVariable warnings
            $app.Provider | Should -Be 'EntraId'
            $app.TenantId | Should -Be 'contoso.onmicrosoft.com'
            $warnings | Should -BeNullOrEmpty
        }

        It '-Provider EntraId alone registers a multi-tenant application' {
            $app = Register-PfaAzureDevOpsApp -Provider EntraId -InstanceUrl 'https://pfa.example.com' -ClientId $ClientId -Scope CurrentUser -PassThru
            $app.TenantId | Should -Be 'organizations'
        }

        It 'an old-default script (a secret, no -Provider, no tenant) fails with ProviderRequired naming -Provider AzureDevOps, and stores nothing: <Case>' -ForEach @(
            @{ Case = 'secret and expiry'; Extra = @{ ClientSecret = 'secret'; SecretExpiresOn = 'days' } }
            @{ Case = 'secret only'; Extra = @{ ClientSecret = 'secret' } }
            @{ Case = 'nothing but URL and ID'; Extra = @{} }
        ) {
            $params = @{ InstanceUrl = 'https://pfa.example.com'; ClientId = $ClientId; Scope = 'CurrentUser' }
            if ($Extra.ClientSecret) { $params.ClientSecret = $Secret.Secure }
            if ($Extra.SecretExpiresOn) { $params.SecretExpiresOn = (Get-Date).AddDays(60) }
            $err = $null
            try { Register-PfaAzureDevOpsApp @params -ErrorAction Stop } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -Be 'ProviderRequired,PfaAzureDevOps.Commands.RegisterPfaAzureDevOpsAppCommand'
            $err.Exception.Message | Should -Match '-Provider AzureDevOps'
            $err.Exception.Message | Should -Match '-TenantId'
            $err.Exception.Message | Should -Match 'Nothing was stored'
            $err.Exception.Message | Should -Not -Match ([regex]::Escape($Secret.Plain))
            Test-Path (Join-Path $StateHome 'CurrentUser/registration.json') | Should -BeFalse
            Get-ChildItem -Recurse -File $StateHome -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }

        It 'a non-interactive old-default script gets ProviderRequired, not a question about the secret' {
            $r = $OldDefaultRun   # run in the Describe's BeforeAll
            $r.Text | Should -Match 'ProviderRequired,PfaAzureDevOps.Commands.RegisterPfaAzureDevOpsAppCommand'
        }

        It 'the registration guides name the provider their next step needs, and the Entra step runs as written' {
            (Open-PfaAzureDevOpsAppRegistrationPage -InstanceUrl 'https://pfa.example.com' -NoBrowser).Provider | Should -Be 'EntraId'
            $ado = Open-PfaAzureDevOpsAppRegistrationPage -InstanceUrl 'https://pfa.example.com' -Provider AzureDevOps -NoBrowser -WarningAction SilentlyContinue
            ($ado.NextSteps -match '^Register-PfaAzureDevOpsApp') | Should -Match '-Provider AzureDevOps'
            $entra = @((Open-PfaAzureDevOpsAppRegistrationPage -InstanceUrl 'https://pfa.example.com' -NoBrowser).NextSteps -match '^Register-PfaAzureDevOpsApp')[0]
            $command = ($entra -replace '\s*\[.*\]$', '' -replace '<Application ID>', $ClientId -replace '<Directory ID>', 'contoso.onmicrosoft.com') + ' -Scope CurrentUser -PassThru'
            $app = Invoke-Expression $command
            $app.Provider | Should -Be 'EntraId'
            $app.CallbackUrl | Should -Be 'https://pfa.example.com/oauth2/azureDevOps'
        }
    }

    It 'takes its values from the pipeline by property name' {
        $row = [pscustomobject]@{ InstanceUrl = 'https://pfa.example.com'; ClientId = $ClientId; Provider = 'EntraId'; TenantId = '72f988bf-86f1-41af-91ab-2d7cd011db47' }
        $app = $row | Register-PfaAzureDevOpsApp -PassThru
        $app.TenantId | Should -Be '72f988bf-86f1-41af-91ab-2d7cd011db47'
    }

    It 'honours -WhatIf and writes nothing' {
        Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa.example.com' -ClientId $ClientId -ClientSecret $Secret.Secure -WhatIf
        Test-Path (Join-Path $StateHome 'AllUsers/registration.json') | Should -BeFalse
        Get-PfaAzureDevOpsApp | Should -BeNullOrEmpty
    }

    Context 'bad input gets a clear error with a stable id, and nothing is written' {
        It '<Case>' -ForEach @(
            @{ Case = 'http instance URL'; Splat = @{ InstanceUrl = 'http://pfa.example.com' }; Id = 'InvalidInstanceUrl'; Message = 'https' }
            @{ Case = 'query in instance URL'; Splat = @{ InstanceUrl = 'https://pfa.example.com/?x=1' }; Id = 'InvalidInstanceUrl'; Message = 'query' }
            @{ Case = 'fragment in instance URL'; Splat = @{ InstanceUrl = 'https://pfa.example.com/#top' }; Id = 'InvalidInstanceUrl'; Message = 'fragment' }
            @{ Case = 'relative instance URL'; Splat = @{ InstanceUrl = 'pfa.example.com/x' }; Id = 'InvalidInstanceUrl'; Message = 'absolute' }
            @{ Case = 'empty GUID'; Splat = @{ ClientId = [guid]::Empty }; Id = 'InvalidClientId'; Message = 'GUID' }
            @{ Case = 'secret expiry in the past'; Splat = @{ SecretExpiresOn = (Get-Date).AddDays(-1) }; Id = 'SecretAlreadyExpired'; Message = 'past' }
            @{ Case = 'bare vso scope for Entra ID'; Splat = @{ Provider = 'EntraId'; OAuthScope = 'vso.code_write' }; Id = 'InvalidOAuthScope'; Message = '499b84ac' }
            @{ Case = 'non-vso scope for Azure DevOps'; Splat = @{ OAuthScope = 'repo' }; Id = 'InvalidOAuthScope'; Message = 'vso.code_write' }
            @{ Case = 'tenant for Azure DevOps'; Splat = @{ TenantId = 'contoso.com' }; Id = 'TenantNotApplicable'; Message = 'EntraId' }
            @{ Case = 'malformed tenant'; Splat = @{ Provider = 'EntraId'; TenantId = 'not a tenant!' }; Id = 'InvalidTenantId'; Message = 'tenant' }
            @{ Case = 'http authority'; Splat = @{ AuthorizationServer = 'http://auth.example.com' }; Id = 'InvalidServerUrl'; Message = 'https' }
        ) {
            $params = @{ Provider = 'AzureDevOps'; InstanceUrl = 'https://pfa.example.com'; ClientId = $ClientId; ClientSecret = $Secret.Secure; WarningAction = 'SilentlyContinue' }
            foreach ($k in $Splat.Keys) { $params[$k] = $Splat[$k] }
            { Register-PfaAzureDevOpsApp @params -ErrorAction Stop } | Should -Throw -ErrorId "$Id,PfaAzureDevOps.Commands.RegisterPfaAzureDevOpsAppCommand" -ExpectedMessage "*$Message*"
            Test-Path (Join-Path $StateHome 'AllUsers/registration.json') | Should -BeFalse
        }

        It 'a malformed GUID fails binding with a message that says what a client ID is' {
            { Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa.example.com' -ClientId 'not-a-guid' -ClientSecret $Secret.Secure -ErrorAction Stop } |
                Should -Throw -ErrorId 'ParameterArgumentTransformationError,PfaAzureDevOps.Commands.RegisterPfaAzureDevOpsAppCommand' -ExpectedMessage '*application (client) ID*'
        }

        It 'an empty secret is refused' {
            $empty = New-Object System.Security.SecureString
            { Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa.example.com' -ClientId $ClientId -ClientSecret $empty -ErrorAction Stop } |
                Should -Throw -ErrorId 'ClientSecretEmpty,PfaAzureDevOps.Commands.RegisterPfaAzureDevOpsAppCommand'
        }

        It 'a missing secret in a non-interactive session fails at once instead of prompting' {
            $r = $MissingSecretRun   # run in the Describe's BeforeAll
            $r.Text | Should -Match 'ClientSecretRequired,PfaAzureDevOps.Commands.RegisterPfaAzureDevOpsAppCommand'
            $r.Text | Should -Match 'non-interactive'
            $NonInteractiveFiles | Should -BeNullOrEmpty -Because 'neither script stored anything'
        }

        It 're-registering needs -Force, and -Force replaces the application and its secret' {
            Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa.example.com' -ClientId $ClientId -ClientSecret $Secret.Secure -WarningAction SilentlyContinue
            $other = '0a1b2c3d-4e5f-4061-8293-a4b5c6d7e8f9'
            { Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa2.example.com' -ClientId $other -ClientSecret $Secret.Secure -ErrorAction Stop -WarningAction SilentlyContinue } |
                Should -Throw -ErrorId 'RegistrationExists,PfaAzureDevOps.Commands.RegisterPfaAzureDevOpsAppCommand'
            (Get-PfaAzureDevOpsApp).ClientId | Should -Be ([guid]$ClientId)
            Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa2.example.com' -ClientId $other -ClientSecret $Secret.Secure -Force -WarningAction SilentlyContinue
            (Get-PfaAzureDevOpsApp).ClientId | Should -Be ([guid]$other)
            @(Get-ChildItem (Join-Path $StateHome 'AllUsers/secrets') -Filter 'app-client-secret-*').Count | Should -Be 1
        }
    }
}

Describe 'Get-, Set- and Unregister-PfaAzureDevOpsApp' {
    BeforeEach {
        $script:StateHome = New-TestStateHome
        $script:Secret = New-TestSecret
        Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa.example.com' -ClientId $ClientId -ClientSecret $Secret.Secure -SecretExpiresOn (Get-Date).AddDays(60) -WarningAction SilentlyContinue
    }
    AfterEach { Remove-TestStateHome $script:StateHome }

    It 'Get returns the registration of each scope, CurrentUser first' {
        Register-PfaAzureDevOpsApp -Provider EntraId -InstanceUrl 'https://pfa.example.com' -ClientId $ClientId -Scope CurrentUser
        $apps = @(Get-PfaAzureDevOpsApp)
        $apps.Count | Should -Be 2
        $apps[0].Scope | Should -Be 'CurrentUser'
        $apps[1].Scope | Should -Be 'AllUsers'
        (Get-PfaAzureDevOpsApp -Scope AllUsers).Provider | Should -Be 'AzureDevOps'
    }

    It 'Get with -Scope and nothing registered is an error; without -Scope it returns nothing' {
        { Get-PfaAzureDevOpsApp -Scope CurrentUser -ErrorAction Stop } | Should -Throw -ErrorId 'RegistrationNotFound,PfaAzureDevOps.Commands.GetPfaAzureDevOpsAppCommand'
        Unregister-PfaAzureDevOpsApp -Force
        Get-PfaAzureDevOpsApp | Should -BeNullOrEmpty
    }

    It 'Get warns when the secret expires within 14 days, and when it has expired' {
        Set-PfaAzureDevOpsApp -SecretExpiresOn (Get-Date).AddDays(5)
        $null = Get-PfaAzureDevOpsApp -WarningVariable w -WarningAction SilentlyContinue
        ($w -join ' ') | Should -Match 'expires on .* \(in [45] days\)'
        Set-PfaAzureDevOpsApp -SecretExpiresOn (Get-Date).AddDays(30)
        $null = Get-PfaAzureDevOpsApp -WarningVariable w2 -WarningAction SilentlyContinue
        $w2 | Should -BeNullOrEmpty
    }

    It 'Register asks for nothing under -WhatIf and validates before it would ask' {
        { Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'http://bad.example.com' -ClientId $ClientId -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidInstanceUrl,PfaAzureDevOps.Commands.RegisterPfaAzureDevOpsAppCommand'
        Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa.example.com' -ClientId $ClientId -Force -WhatIf
        (Get-PfaAzureDevOpsApp).SecretExpiresOn | Should -Not -BeNullOrEmpty
    }

    It 'Set warns when a rotated secret has no recorded expiry' {
        $null = Set-PfaAzureDevOpsApp -ClientSecret (New-TestSecret).Secure -WarningVariable w -WarningAction SilentlyContinue
        ($w -join ' ') | Should -Match 'SecretExpiresOn'
        (Get-PfaAzureDevOpsApp).SecretExpiresOn | Should -BeNullOrEmpty
    }

    It 'Set rotates the secret: a new vault entry replaces the old one' {
        $before = Get-ChildItem (Join-Path $StateHome 'AllUsers/secrets') -Filter 'app-client-secret-*'
        $new = New-TestSecret
        $app = Set-PfaAzureDevOpsApp -ClientSecret $new.Secure -SecretExpiresOn (Get-Date).AddDays(60) -PassThru
        $after = Get-ChildItem (Join-Path $StateHome 'AllUsers/secrets') -Filter 'app-client-secret-*'
        $after.Name | Should -Not -Be $before.Name
        @($after).Count | Should -Be 1
        $app.HasClientSecret | Should -BeTrue
    }

    It 'Set changes scopes and the authorization server' {
        $app = Set-PfaAzureDevOpsApp -OAuthScope 'vso.code_write', 'vso.profile' -AuthorizationServer 'https://tfs.contoso.local' -PassThru
        $app.OAuthScope | Should -Be @('vso.code_write', 'vso.profile')
        $app.AuthorizationServer.Host | Should -Be 'tfs.contoso.local'
    }

    It 'Set without a change is an error' {
        { Set-PfaAzureDevOpsApp -ErrorAction Stop } | Should -Throw -ErrorId 'NothingToChange,PfaAzureDevOps.Commands.SetPfaAzureDevOpsAppCommand'
    }

    It 'Set -WhatIf changes nothing' {
        $before = Get-Content -Raw (Join-Path $StateHome 'AllUsers/registration.json')
        Set-PfaAzureDevOpsApp -OAuthScope 'vso.code' -WhatIf
        Get-Content -Raw (Join-Path $StateHome 'AllUsers/registration.json') | Should -Be $before
    }

    It 'Unregister removes the registration and its secret; Get-PfaAzureDevOpsApp output pipes into it' {
        Get-PfaAzureDevOpsApp | Unregister-PfaAzureDevOpsApp -Confirm:$false
        Test-Path (Join-Path $StateHome 'AllUsers/registration.json') | Should -BeFalse
        @(Get-ChildItem (Join-Path $StateHome 'AllUsers/secrets') -Filter 'app-client-secret-*').Count | Should -Be 0
        { Unregister-PfaAzureDevOpsApp -Scope AllUsers -Force -ErrorAction Stop } | Should -Throw -ErrorId 'RegistrationNotFound,PfaAzureDevOps.Commands.UnregisterPfaAzureDevOpsAppCommand'
    }
}

Describe 'The store keeps state safe' {
    BeforeEach {
        $script:StateHome = New-TestStateHome
        $script:Secret = New-TestSecret
        $script:Doc = Join-Path $StateHome 'AllUsers/registration.json'
    }
    AfterEach { Remove-TestStateHome $script:StateHome }

    It 'a corrupt file gets an error naming it, and is never overwritten' {
        New-Item -ItemType Directory (Split-Path $Doc) -Force | Out-Null
        Set-Content -Path $Doc -Value '{ this is not json' -NoNewline
        { Get-PfaAzureDevOpsApp -ErrorAction Stop } | Should -Throw -ErrorId 'StoreFileCorrupt,PfaAzureDevOps.Commands.GetPfaAzureDevOpsAppCommand' -ExpectedMessage "*$Doc*"
        { Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa.example.com' -ClientId $ClientId -ClientSecret $Secret.Secure -Force -ErrorAction Stop -WarningAction SilentlyContinue } |
            Should -Throw -ErrorId 'StoreFileCorrupt,PfaAzureDevOps.Commands.RegisterPfaAzureDevOpsAppCommand'
        Get-Content -Raw $Doc | Should -Be '{ this is not json'
    }

    It 'Unregister -Force moves a corrupt file aside instead of deleting it' {
        New-Item -ItemType Directory (Split-Path $Doc) -Force | Out-Null
        Set-Content -Path $Doc -Value '[1,2,3]' -NoNewline
        Unregister-PfaAzureDevOpsApp -Scope AllUsers -Force -WarningAction SilentlyContinue
        Test-Path $Doc | Should -BeFalse
        $aside = Get-ChildItem (Split-Path $Doc) -Filter 'registration.json.unreadable-*'
        Get-Content -Raw $aside.FullName | Should -Be '[1,2,3]'
    }

    It 'a document of an unknown (newer) version is refused and kept' {
        Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa.example.com' -ClientId $ClientId -ClientSecret $Secret.Secure -WarningAction SilentlyContinue
        $json = Get-Content -Raw $Doc | ConvertFrom-Json
        $json.schemaVersion = 99
        $json | ConvertTo-Json -Depth 5 | Set-Content $Doc
        $before = Get-Content -Raw $Doc
        { Get-PfaAzureDevOpsApp -ErrorAction Stop } | Should -Throw -ErrorId 'StoreVersionUnsupported,PfaAzureDevOps.Commands.GetPfaAzureDevOpsAppCommand' -ExpectedMessage '*newer version*'
        Get-Content -Raw $Doc | Should -Be $before
    }

    It 'PFA_AZUREDEVOPS_HOME relocates both scopes' {
        Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa.example.com' -ClientId $ClientId -ClientSecret $Secret.Secure -WarningAction SilentlyContinue
        Register-PfaAzureDevOpsApp -Provider EntraId -InstanceUrl 'https://pfa.example.com' -ClientId $ClientId -Scope CurrentUser
        (Get-PfaAzureDevOpsApp -Scope AllUsers).Path | Should -Be $Doc
        (Get-PfaAzureDevOpsApp -Scope CurrentUser).Path | Should -Be (Join-Path $StateHome 'CurrentUser/registration.json')
    }

    It 'the client secret never reaches an output stream, a transcript, an error or any readable file' -Skip:(-not $IsLinux) {
        $transcript = [IO.Path]::GetFullPath((Join-Path ([IO.Path]::GetTempPath()) ('pfa-transcript-' + [guid]::NewGuid().ToString('N') + '.txt')))
        Start-Transcript -Path $transcript | Out-Null
        try {
            $streams = & {
                $DebugPreference = 'Continue'
                Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa.example.com' -ClientId $ClientId -ClientSecret $Secret.Secure -SecretExpiresOn (Get-Date).AddDays(30) -PassThru -Verbose
                Get-PfaAzureDevOpsApp -Verbose | Format-List * | Out-String
                Get-PfaAzureDevOpsApp | ConvertTo-Json -Depth 5
                Set-PfaAzureDevOpsApp -ClientSecret $Secret.Secure -PassThru -Verbose
                Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa.example.com' -ClientId $ClientId -ClientSecret $Secret.Secure -Verbose -ErrorAction Continue
                Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'http://bad.example.com' -ClientId $ClientId -ClientSecret $Secret.Secure -ErrorAction Continue
            } *>&1 | Out-String
        }
        finally { Stop-Transcript | Out-Null }
        $streams | Should -Not -BeNullOrEmpty
        $streams | Should -Match 'RegistrationExists|already registered' -Because 'the errors were captured too'
        $streams | Should -Not -Match $Secret.Plain
        ($Error | Out-String) | Should -Not -Match $Secret.Plain
        Get-Content -Raw $transcript | Should -Not -Match $Secret.Plain
        Remove-Item $transcript
        # Only the vault may hold it: an owner-only file in an owner-only folder (encrypted where a keyring exists).
        $holders = @(Get-ChildItem $StateHome -Recurse -File | Where-Object { (Get-Content -Raw $_.FullName -ErrorAction Ignore) -match $Secret.Plain })
        foreach ($file in $holders) {
            $file.DirectoryName | Should -Be (Join-Path $StateHome 'AllUsers/secrets')
            Get-UnixMode $file.FullName | Should -Be '600'
        }
        Get-UnixMode (Join-Path $StateHome 'AllUsers/secrets') | Should -Be '700'
        Get-UnixMode $Doc | Should -Be '644'
    }

    It 'parallel writers in separate processes all succeed and leave one readable document' {
        Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa.example.com' -ClientId $ClientId -ClientSecret $Secret.Secure -WarningAction SilentlyContinue
        $jobs = 1..4 | ForEach-Object {
            $n = $_
            Start-ThreadJob -ArgumentList $n, $env:PFA_AZUREDEVOPS_HOME, (Join-Path $PSHOME 'pwsh') {
                param($n, $stateHome, $pwsh)
                $env:PFA_AZUREDEVOPS_HOME = $stateHome
                & $pwsh -NoProfile -NonInteractive -Command "Import-Module PfaAzureDevOps; 1..3 | ForEach-Object { Set-PfaAzureDevOpsApp -ClientSecret (ConvertTo-SecureString 'rotated-$n-`$_' -AsPlainText -Force) -ErrorAction Stop }; 'ok'"
            }
        }
        $results = $jobs | Wait-Job -Timeout 120 | Receive-Job
        $jobs | Remove-Job -Force
        @($results | Where-Object { $_ -eq 'ok' }).Count | Should -Be 4
        (Get-PfaAzureDevOpsApp).HasClientSecret | Should -BeTrue
        @(Get-ChildItem (Join-Path $StateHome 'AllUsers/secrets') -Filter 'app-client-secret-*').Count | Should -Be 1
        @(Get-ChildItem (Join-Path $StateHome 'AllUsers') -Filter '*.tmp' -Force).Count | Should -Be 0
    }
}

Describe 'Open-PfaAzureDevOpsAppRegistrationPage' {
    It 'lists what to enter on the Azure DevOps page for an instance' {
        $guide = Open-PfaAzureDevOpsAppRegistrationPage -InstanceUrl 'https://samplecorp.pipelines.com' -Provider AzureDevOps -CompanyName 'Sample Corp' -NoBrowser -WarningAction SilentlyContinue
        $guide | Should -BeOfType ([PfaAzureDevOps.PfaAppRegistrationGuide])
        $guide.RegistrationPage | Should -Be 'https://app.vsaex.visualstudio.com/app/register'
        $guide.ApplicationWebsite | Should -Be 'https://samplecorp.pipelines.com/'
        $guide.AuthorizationCallbackUrl | Should -Be 'https://samplecorp.pipelines.com/oauth2/azureDevOps'
        $guide.AuthorizedScopes[0] | Should -Match 'Code \(read and write\)'
        $guide.CompanyName | Should -Be 'Sample Corp'
        $guide.BrowserOpened | Should -BeFalse
    }

    It 'gives the Entra ID values by default' {
        $guide = Open-PfaAzureDevOpsAppRegistrationPage -InstanceUrl 'https://pfa.example.com/x/' -NoBrowser
        $guide.Provider | Should -Be 'EntraId'
        $guide.AuthorizationCallbackUrl | Should -Be 'https://pfa.example.com/x/oauth2/azureDevOps'
        $guide.ApiPermissions[0] | Should -Match '499b84ac-1321-427f-aa17-267ca6975798'
    }

    It 'opens the page with the command in $env:BROWSER' {
        $marker = Join-Path ([IO.Path]::GetTempPath()) ('pfa-browser-' + [guid]::NewGuid().ToString('N'))
        $script = "$marker.sh"
        Set-Content $script "#!/bin/sh`necho `"`$1`" > '$marker'" -NoNewline
        chmod +x $script
        $saved = $env:BROWSER
        try {
            $env:BROWSER = $script
            $guide = Open-PfaAzureDevOpsAppRegistrationPage -InstanceUrl 'https://pfa.example.com'
            $deadline = (Get-Date).AddSeconds(10)
            while (-not (Test-Path $marker) -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 50 }
            $guide.BrowserOpened | Should -BeTrue
            (Get-Content $marker).Trim() | Should -Be $guide.RegistrationPage.AbsoluteUri
        }
        finally { $env:BROWSER = $saved; Remove-Item $marker, $script -ErrorAction Ignore }
    }

    It 'a browser command that ends at once with an error: BrowserOpened is false and the note says why' {
        $script = Join-Path ([IO.Path]::GetTempPath()) ('pfa-browser-' + [guid]::NewGuid().ToString('N') + '.sh')
        Set-Content $script "#!/bin/sh`necho 'first' >&2`necho ""no display for `$1"" >&2`nexit 5" -NoNewline
        chmod +x $script
        $saved = $env:BROWSER
        try {
            $env:BROWSER = $script
            $guide = Open-PfaAzureDevOpsAppRegistrationPage -InstanceUrl 'https://pfa.example.com'
            $guide.BrowserOpened | Should -BeFalse
            $guide.BrowserNote | Should -Be "the browser command '$script' ended at once with exit code 5: no display for <the link>: open RegistrationPage yourself"
            $env:BROWSER = "$script-missing"
            (Open-PfaAzureDevOpsAppRegistrationPage -InstanceUrl 'https://pfa.example.com').BrowserNote | Should -Be "the browser command '$script-missing' could not be started: open RegistrationPage yourself"
        }
        finally { $env:BROWSER = $saved; Remove-Item $script -ErrorAction Ignore }
    }

    It 'refuses a bad instance URL' {
        { Open-PfaAzureDevOpsAppRegistrationPage -InstanceUrl 'ftp://pfa.example.com' -NoBrowser -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidInstanceUrl,PfaAzureDevOps.Commands.OpenPfaAzureDevOpsAppRegistrationPageCommand'
    }
}
