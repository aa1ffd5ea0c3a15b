#requires -Modules Pester
# Add-, Get-, Remove-AzDevOpsSshKey and Test-PfaAzureDevOpsIntegration against the local Azure DevOps with its sshd.
# One user connects once (paste path, over the emulator's HTTP origin); keys are added, used for git over SSH,
# expired, removed. Organizations: samplecorp (a repository), nossh (SSH keys disabled by policy), nooauth
# (third-party OAuth disabled: the connection's OAuth token is refused, a personal access token works).
BeforeDiscovery {
    $script:CanRun = $IsLinux -and (Test-Path /usr/sbin/sshd) -and [Environment]::UserName -eq 'root' -and
        [bool](Get-Command git -ErrorAction Ignore) -and [bool](Get-Command ssh-keygen -ErrorAction Ignore)
}

Describe 'Azure DevOps SSH keys through the cmdlets' -Skip:(-not $CanRun) {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../TestHelpers/TestHelpers.psm1') -Force
        $script:Session = Enter-TestSession -LocalAzureDevOps -WithSsh -StateHome
        $script:Ado = $Session.Ado
        $script:StateHome = $Session.StateHome
        $script:Repo = Split-Path (Split-Path $PSScriptRoot -Parent) -Parent

        $script:Org = Control POST '/_test/orgs' @{ name = 'samplecorp' }
        $null = Control POST '/_test/orgs/samplecorp/repos' @{ project = 'Modules'; repo = 'puppet-base' }
        $null = Control POST '/_test/orgs' @{ name = 'nossh'; sshKeysDisabled = $true }
        $null = Control POST '/_test/orgs' @{ name = 'nooauth'; thirdPartyOAuthDisabled = $true }
        $script:RepoUrl = "ssh://$($Ado.SshUser)@127.0.0.1:$($Ado.SshPort)/v3/samplecorp/Modules/puppet-base"
        $script:HostFp = $Ado.SshHostKeyFingerprint

        # The administrator's registration, then the user's connection through the paste path (as Connection.Tests does).
        $null = Register-TestApp
        Connect-TestUser -Organization samplecorp

        # The user's RSA key: made by ssh-keygen at 2048 bits and imported (New-PfaSshKey's generation and sizes are
        # SshKeys.Tests' subject; an RSA 3072 generation costs about 1 CPU s, ssh-keygen's 2048 a third of it), with the
        # comment New-PfaSshKey would give it.
        $rsa = Join-Path $StateHome 'user_rsa'
        & ssh-keygen -q -t rsa -b 2048 -N '' -C "$([Environment]::UserName)@$([Environment]::MachineName)" -f $rsa
        Import-PfaSshKey -Path $rsa -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        Remove-Item "$rsa*"

        function script:New-Pat { ConvertTo-SecureString (Control POST '/_test/tokens' @{}).accessToken -AsPlainText -Force }
        function script:Clear-Keys([string] $Organization = 'samplecorp', $Pat) {
            $splat = @{ Organization = $Organization }
            if ($Pat) { $splat.PersonalAccessToken = $Pat }
            Get-AzDevOpsSshKey @splat | Remove-AzDevOpsSshKey -Force @splat
        }
        function script:New-KeygenKey([string] $Type) {
            $file = Join-Path $StateHome ("kg-$Type-" + [guid]::NewGuid().ToString('N').Substring(0, 6))
            & ssh-keygen -q -t $Type -N '' -C "kg-$Type" -f $file | Out-Null
            $file
        }
        # Makes every call to the organization's key endpoints fail with 500, so a test can prove none was made.
        function script:Watch-Calls([scriptblock] $Script) {
            Control POST '/_test/faults' @{ rules = @(@{ pathPrefix = '/samplecorp'; status = 500; count = -1 }, @{ pathPrefix = '/vssps/samplecorp'; status = 500; count = -1 }) } | Out-Null
            try { & $Script }
            finally {
                $hits = (@(Control GET '/_test/faults') | ForEach-Object { $_ } | Measure-Object -Property hits -Sum).Sum
                Control DELETE '/_test/faults' | Out-Null
            }
            $hits
        }
    }

    AfterAll { Exit-TestSession }

    AfterEach { Clear-Keys }

    It 'adds the key from the pipeline, which then clones; removed, the key is refused' {
        (Test-PfaAzureDevOpsSshAccess $RepoUrl -HostKeyFingerprint $HostFp -ErrorAction SilentlyContinue).ErrorId | Should -Be 'SshKeyNotAuthorized'
        $local = Get-PfaSshPublicKey
        $key = $local | Add-AzDevOpsSshKey -PassThru
        $key | Should -BeOfType ([PfaAzureDevOps.PfaAzDevOpsSshKey])
        $key.Id | Should -Not -Be ([guid]::Empty)
        $key.Description | Should -Be "PFA pfa.example.test $([Environment]::UserName)@$([Environment]::MachineName)"
        $key.Md5Fingerprint | Should -Be $local.Md5Fingerprint
        $key.Organization | Should -Be 'samplecorp'
        $key.AlreadyPresent | Should -BeFalse
        $key.IsLocalKey | Should -BeTrue
        $key.IsValid | Should -BeTrue
        $key.DaysLeft | Should -BeIn 363, 364, 365
        "$key" | Should -Be $key.Description
        (Control GET '/_test/ssh/keys' | ForEach-Object { $_ } | Where-Object { "$($_.authorizationId)" -eq "$($key.Id)" }).publicData | Should -Be ($local.PublicKey.Trim())

        $access = Test-PfaAzureDevOpsSshAccess $RepoUrl -HostKeyFingerprint $HostFp
        $access.Success | Should -BeTrue -Because $access.Message
        $clone = Copy-PfaAzureDevOpsRepository -RepositoryUrl $RepoUrl -Destination (Join-Path $StateHome 'clone1') -HostKeyFingerprint $HostFp
        $clone.Branch | Should -Be 'main'
        Test-Path (Join-Path $StateHome 'clone1/README.md') | Should -BeTrue

        $listed = @(Get-AzDevOpsSshKey)
        $listed.Count | Should -Be 1
        $listed[0].Id | Should -Be $key.Id
        $listed[0].IsLocalKey | Should -BeTrue
        $listed[0].Md5Fingerprint | Should -Be $local.Md5Fingerprint
        $table = ($listed | Format-Table | Out-String -Width 300)
        $table | Should -Match 'DaysLeft'
        $table | Should -Match ([regex]::Escape($key.Id.ToString()))
        ($listed | Format-List | Out-String -Width 300) | Should -Match ([regex]::Escape($local.Md5Fingerprint))

        Get-AzDevOpsSshKey -LocalKeyOnly | Remove-AzDevOpsSshKey -WhatIf
        @(Get-AzDevOpsSshKey).Count | Should -Be 1
        Get-AzDevOpsSshKey -LocalKeyOnly | Remove-AzDevOpsSshKey -Confirm:$false
        @(Get-AzDevOpsSshKey).Count | Should -Be 0
        (Test-PfaAzureDevOpsSshAccess $RepoUrl -HostKeyFingerprint $HostFp -ErrorAction SilentlyContinue).ErrorId | Should -Be 'SshKeyNotAuthorized'
        { Remove-AzDevOpsSshKey -Id $key.Id -Force -ErrorAction Stop } | Should -Throw -ErrorId 'AzDevOpsSshKeyNotFound,PfaAzureDevOps.Commands.RemoveAzDevOpsSshKeyCommand'
    }

    It 'added twice: the second time returns the registered key marked AlreadyPresent; -WhatIf and no -PassThru write nothing' {
        Add-AzDevOpsSshKey -WhatIf | Should -BeNullOrEmpty
        @(Get-AzDevOpsSshKey).Count | Should -Be 0
        Add-AzDevOpsSshKey -Description 'first' | Should -BeNullOrEmpty
        $again = Get-PfaSshPublicKey | Add-AzDevOpsSshKey -Description 'second' -PassThru
        $again.AlreadyPresent | Should -BeTrue
        $again.Description | Should -Be 'first'
        # the same key as a line and as a .pub file (resolved through the provider) is found too
        (Add-AzDevOpsSshKey -PublicKey "$(Get-PfaSshPublicKey)`n" -PassThru).AlreadyPresent | Should -BeTrue
        Export-PfaSshKey -Path (Join-Path $StateHome 'id_export') -Force | Out-Null
        Push-Location $StateHome
        try { (Add-AzDevOpsSshKey -Path './id_export.pub' -PassThru).AlreadyPresent | Should -BeTrue }
        finally { Pop-Location }
        @(Get-AzDevOpsSshKey).Count | Should -Be 1
    }

    It 'refuses a non-RSA key, a private key and a malformed line locally, before any call' {
        $ed = New-KeygenKey ed25519
        $ecdsa = New-KeygenKey ecdsa
        $hits = Watch-Calls {
            { Add-AzDevOpsSshKey -PublicKey (Get-Content "$ed.pub" -Raw) -ErrorAction Stop } | Should -Throw -ErrorId 'AzDevOpsSshKeyNotRsa,PfaAzureDevOps.Commands.AddAzDevOpsSshKeyCommand'
            try { Add-AzDevOpsSshKey -Path "$ecdsa.pub" -ErrorAction Stop } catch { $_.Exception.Message | Should -Match 'only RSA.*ecdsa-sha2-nistp256' }
            { Add-AzDevOpsSshKey -PublicKey (Get-Content $ed -Raw) -ErrorAction Stop } | Should -Throw -ErrorId 'SshPublicKeyIsPrivate,PfaAzureDevOps.Commands.AddAzDevOpsSshKeyCommand'
            { Add-AzDevOpsSshKey -PublicKey 'ssh-rsa not*base64' -ErrorAction Stop } | Should -Throw -ErrorId 'SshPublicKeyMalformed,PfaAzureDevOps.Commands.AddAzDevOpsSshKeyCommand'
            $two = "$(Get-PfaSshPublicKey)`n$(Get-Content "$ed.pub" -Raw)"
            { Add-AzDevOpsSshKey -PublicKey $two -ErrorAction Stop } | Should -Throw -ErrorId 'SshPublicKeyMalformed,PfaAzureDevOps.Commands.AddAzDevOpsSshKeyCommand'
            { Add-AzDevOpsSshKey -Description ('x' * 257) -ErrorAction Stop } | Should -Throw -ErrorId 'AzDevOpsSshKeyInvalidDescription,PfaAzureDevOps.Commands.AddAzDevOpsSshKeyCommand'
            { Add-AzDevOpsSshKey -ExpiresOn ([DateTimeOffset]::UtcNow.AddDays(-1)) -ErrorAction Stop } | Should -Throw -ErrorId 'AzDevOpsSshKeyInvalidExpiry,PfaAzureDevOps.Commands.AddAzDevOpsSshKeyCommand'
        }
        $hits | Should -Be 0
    }

    It 'warns that an expiry beyond one year is shortened by the service' {
        $key = Add-AzDevOpsSshKey -ExpiresOn ([DateTimeOffset]::UtcNow.AddYears(2)) -PassThru -WarningVariable w -WarningAction SilentlyContinue
        ($w -join ' ') | Should -Match 'at most one year'
        $key.DaysLeft | Should -BeLessOrEqual 365
    }

    It 'an expired key is refused at clone, shown expired by Get-AzDevOpsSshKey and failed by Test-PfaAzureDevOpsIntegration' {
        $key = Add-AzDevOpsSshKey -PassThru
        (Test-PfaAzureDevOpsSshAccess $RepoUrl -HostKeyFingerprint $HostFp).Success | Should -BeTrue
        Control POST '/_test/ssh/expire' @{ authorizationId = "$($key.Id)" } | Out-Null
        (Test-PfaAzureDevOpsSshAccess $RepoUrl -HostKeyFingerprint $HostFp -ErrorAction SilentlyContinue).ErrorId | Should -Be 'SshKeyNotAuthorized'
        { Copy-PfaAzureDevOpsRepository -RepositoryUrl $RepoUrl -Destination (Join-Path $StateHome 'clone2') -HostKeyFingerprint $HostFp -ErrorAction Stop } | Should -Throw
        $listed = Get-AzDevOpsSshKey -Id $key.Id
        $listed.IsValid | Should -BeFalse
        $listed.DaysLeft | Should -BeLessThan 0
        ($listed | Format-Table | Out-String -Width 300) | Should -Match 'expired'
        $checks = Test-PfaAzureDevOpsIntegration -RepositoryUrl $RepoUrl -HostKeyFingerprint $HostFp
        $registered = $checks | Where-Object Name -EQ 'SshKeyRegistered'
        $registered.Result | Should -Be 'Fail'
        $registered.Message | Should -Match 'expired'
        ($checks | Where-Object Name -EQ 'CloneAccess').Result | Should -Be 'Fail'
        { Add-AzDevOpsSshKey -ErrorAction Stop } | Should -Throw -ErrorId 'AzDevOpsSshKeyExpired,PfaAzureDevOps.Commands.AddAzDevOpsSshKeyCommand'
    }

    It 'Test-PfaAzureDevOpsIntegration: every check passes, a key near expiry warns, and the example acceptance file passes' {
        Add-AzDevOpsSshKey | Out-Null
        $checks = @(Test-PfaAzureDevOpsIntegration -RepositoryUrl $RepoUrl -HostKeyFingerprint $HostFp)
        ($checks.Name -join ',') | Should -Be 'AppRegistered,ClientSecret,UserConnected,TokenRefreshable,SshKeyPresent,SshKeyRegistered,CloneAccess'
        foreach ($c in $checks) { "$($c.Result)" | Should -Be 'Pass' -Because "$($c.Name): $($c.Message)" }
        ($checks | Where-Object Name -EQ 'SshKeyRegistered').Message | Should -Match 'valid for 36[345] more days'
        ($checks | Format-Table | Out-String -Width 300) | Should -Match 'TokenRefreshable\s+Pass'

        # The shipped example, in a fresh pwsh, as a user would run it.
        $pester = (Get-Module Pester).Path
        $example = Join-Path $Repo 'docs/examples/PfaAzureDevOps.Acceptance.Tests.ps1'
        $run = Invoke-FreshPwsh -TimeoutSeconds 180 -Environment @{ PFA_AZUREDEVOPS_HOME = $StateHome; CI = 'true' } -Script @"
Import-Module '$pester'
`$c = New-PesterContainer -Path '$example' -Data @{ RepositoryUrl = '$RepoUrl'; HostKeyFingerprint = '$HostFp' }
`$r = Invoke-Pester -Container `$c -PassThru -Output None
"RESULT `$(`$r.PassedCount) `$(`$r.FailedCount)"
"@
        $run.Text | Should -Match 'RESULT 8 0'

        Clear-Keys
        Add-AzDevOpsSshKey -ExpiresOn ([DateTimeOffset]::UtcNow.AddDays(10)) | Out-Null
        $near = Test-PfaAzureDevOpsIntegration | Where-Object Name -EQ 'SshKeyRegistered'
        $near.Result | Should -Be 'Warn'
        $near.Message | Should -Match 'expires in (9|10) day'
        @(Test-PfaAzureDevOpsIntegration).Name | Should -Not -Contain 'CloneAccess'
    }

    It 'Test-PfaAzureDevOpsIntegration: a client secret expiring within 14 days warns, an expired one fails' {
        try {
            Set-PfaAzureDevOpsApp -Scope CurrentUser -SecretExpiresOn ([DateTimeOffset]::UtcNow.AddDays(5)) -WarningAction SilentlyContinue
            $secret = Test-PfaAzureDevOpsIntegration -WarningAction SilentlyContinue | Where-Object Name -EQ 'ClientSecret'
            $secret.Result | Should -Be 'Warn'
            $secret.Message | Should -Match 'Set-PfaAzureDevOpsApp'
            # Set-PfaAzureDevOpsApp refuses a past date, so the secret expires "by itself": edit the stored registration.
            $path = Join-Path $StateHome 'CurrentUser/registration.json'
            $doc = Get-Content -Raw $path | ConvertFrom-Json
            $doc.secretExpiresOn = [DateTimeOffset]::UtcNow.AddDays(-1).ToString('o')
            $doc | ConvertTo-Json -Depth 10 | Set-Content -Path $path -NoNewline
            (Test-PfaAzureDevOpsIntegration -WarningAction SilentlyContinue | Where-Object Name -EQ 'ClientSecret').Result | Should -Be 'Fail'
        }
        finally { Set-PfaAzureDevOpsApp -Scope CurrentUser -SecretExpiresOn ([DateTimeOffset]::UtcNow.AddDays(60)) -WarningAction SilentlyContinue }
    }

    It 'Test-PfaAzureDevOpsIntegration without registration, connection or key fails each check with what to do' {
        $saved = $env:PFA_AZUREDEVOPS_HOME
        $empty = New-TestStateHome
        try {
            $checks = @(Test-PfaAzureDevOpsIntegration -Organization samplecorp)
            $checks.Count | Should -Be 6
            foreach ($c in $checks) { "$($c.Result)" | Should -Be 'Fail' -Because $c.Name }
            ($checks | Where-Object Name -EQ 'UserConnected').Message | Should -Match 'Connect-PfaAzureDevOps'
            ($checks | Where-Object Name -EQ 'SshKeyPresent').Message | Should -Match 'New-PfaSshKey'
        }
        finally { $env:PFA_AZUREDEVOPS_HOME = $saved; Remove-TestStateHome $empty }
    }

    It 'SSH keys disabled by the organization policy: a clear error' {
        { Add-AzDevOpsSshKey -Organization nossh -ErrorAction Stop } | Should -Throw -ErrorId 'AzDevOpsSshKeysDisabled,PfaAzureDevOps.Commands.AddAzDevOpsSshKeyCommand'
        try { Add-AzDevOpsSshKey -Organization nossh -ErrorAction Stop } catch { $_.Exception.Message | Should -Match 'administrator.*SSH' }
    }

    It 'the OAuth token refused (third-party OAuth off), then a personal access token; a key another user registered is refused' {
        $err = $null
        try { Add-AzDevOpsSshKey -Organization nooauth -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'AzDevOpsSshKeyTokenRefused,PfaAzureDevOps.Commands.AddAzDevOpsSshKeyCommand'
        $err.Exception.Message | Should -Match '-PersonalAccessToken'
        $err.Exception.Message | Should -Match 'TF400813'

        { Add-AzDevOpsSshKey -Organization nooauth -PersonalAccessToken (ConvertTo-SecureString 'not-a-token' -AsPlainText -Force) -ErrorAction Stop } |
            Should -Throw -ErrorId 'AzDevOpsSshKeyTokenRefused,PfaAzureDevOps.Commands.AddAzDevOpsSshKeyCommand'

        $pat = New-Pat
        # Registered by another user: "already in use" (the same user may register it in each of their organizations).
        $other = Control POST '/_test/users' @{ displayName = 'Other User' }
        $otherPat = ConvertTo-SecureString (Control POST '/_test/tokens' @{ userId = "$($other.id)" }).accessToken -AsPlainText -Force
        $theirs = Add-AzDevOpsSshKey -Organization nooauth -PersonalAccessToken $otherPat -PassThru
        { Add-AzDevOpsSshKey -Organization nooauth -PersonalAccessToken $pat -ErrorAction Stop } | Should -Throw -ErrorId 'AzDevOpsSshKeyAlreadyInUse,PfaAzureDevOps.Commands.AddAzDevOpsSshKeyCommand'
        Remove-AzDevOpsSshKey -Id $theirs.Id -Organization nooauth -PersonalAccessToken $otherPat -Force

        $key = Add-AzDevOpsSshKey -Organization nooauth -PersonalAccessToken $pat -PassThru
        $key.Organization | Should -Be 'nooauth'
        $key.AlreadyPresent | Should -BeFalse
        (Get-AzDevOpsSshKey -Organization nooauth -PersonalAccessToken $pat).Id | Should -Be $key.Id
        @(Get-AzDevOpsSshKey).Count | Should -Be 0
        Clear-Keys -Organization nooauth -Pat $pat
        @(Get-AzDevOpsSshKey -Organization nooauth -PersonalAccessToken $pat).Count | Should -Be 0
    }

    It 'never puts the personal access token in any stream' {
        $plain = (Control POST '/_test/tokens' @{}).accessToken
        $pat = ConvertTo-SecureString $plain -AsPlainText -Force
        $all = & { Get-AzDevOpsSshKey -Organization nooauth -PersonalAccessToken $pat -Verbose; Add-AzDevOpsSshKey -Organization nossh -PersonalAccessToken $pat -Verbose -ErrorAction Continue } *>&1 | Out-String
        $all | Should -Not -Match ([regex]::Escape($plain))
    }
}
