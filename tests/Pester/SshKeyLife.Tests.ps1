#requires -Modules Pester
# The SSH key's whole life against the local Azure DevOps and its sshd: an imported key, several organizations in one
# call, the Azure DevOps Server URL layout, orphaned keys of this machine, expiry in Test-PfaAzureDevOpsIntegration.
# Organizations: samplecorp and contoso (a repository each), nossh (SSH keys disabled by policy).
BeforeDiscovery {
    $script:CanRun = $IsLinux -and (Test-Path /usr/sbin/sshd) -and [Environment]::UserName -eq 'root' -and
        [bool](Get-Command git -ErrorAction Ignore) -and [bool](Get-Command ssh-keygen -ErrorAction Ignore)
}

Describe 'The SSH key across its life and across organizations' -Skip:(-not $CanRun) {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../TestHelpers/TestHelpers.psm1') -Force
        $script:Session = Enter-TestSession -LocalAzureDevOps -WithSsh -StateHome
        $script:Ado = $Session.Ado
        $script:StateHome = $Session.StateHome

        foreach ($name in 'samplecorp', 'contoso') {
            $null = Control POST '/_test/orgs' @{ name = $name }
            $null = Control POST "/_test/orgs/$name/repos" @{ project = 'Modules'; repo = 'puppet-base' }
        }
        $null = Control POST '/_test/orgs' @{ name = 'nossh'; sshKeysDisabled = $true }
        $script:Repo1 = "ssh://$($Ado.SshUser)@127.0.0.1:$($Ado.SshPort)/v3/samplecorp/Modules/puppet-base"
        $script:Repo2 = "ssh://$($Ado.SshUser)@127.0.0.1:$($Ado.SshPort)/v3/contoso/Modules/puppet-base"
        $script:HostFp = $Ado.SshHostKeyFingerprint

        $null = Register-TestApp
        Connect-TestUser -Organization samplecorp

        # RSA (all Azure DevOps takes) 2048 (the module's minimum for an imported key) by default: about a third of
        # ssh-keygen's time for 3072, and no case but the rotation's (see its context) cares about the size.
        function script:New-KeygenKey([string] $Type = 'rsa', [int] $Bits = 2048, [string] $Passphrase = '', [switch] $Pem) {
            $file = Join-Path $StateHome ("kg-$Type-" + [guid]::NewGuid().ToString('N').Substring(0, 6))
            $kgArgs = @('-q', '-t', $Type, '-N', $Passphrase, '-C', "kg-$Type", '-f', $file)
            if ($Type -eq 'rsa') { $kgArgs += @('-b', "$Bits") }
            if ($Pem) { $kgArgs += @('-m', 'PEM') }
            & ssh-keygen @kgArgs | Out-Null
            $file
        }
        function script:Get-KeygenSha256([string] $File) { ((& ssh-keygen -l -E sha256 -f $File) -split ' ')[1] }
        function script:Clear-AllKeys {
            foreach ($o in 'samplecorp', 'contoso') { Get-AzDevOpsSshKey -Organization $o | Remove-AzDevOpsSshKey -Force }
        }
        function script:Test-Clone([string] $Url) {
            # A refusal is what some cases expect; the log says what each refusal was, so an unexpected one can be read.
            $r = Test-PfaAzureDevOpsSshAccess $Url -HostKeyFingerprint $HostFp -ErrorAction SilentlyContinue -ErrorVariable failure
            if (-not ($r -and $r.Success)) {
                $why = if ($r) { "$($r.ErrorId): $($r.Message)" } else { "$failure" }
                Write-Host "  (Test-Clone $Url -> $($why.Substring(0, [Math]::Min(140, $why.Length))))"
            }
            [bool]($r -and $r.Success)
        }
    }

    AfterAll { Exit-TestSession }

    AfterEach { Clear-AllKeys }

    Context 'Import-PfaSshKey' {
        It 'imports an openssh-key-v1 key from a path; the stored key clones once added, and the file is left as it was' {
            $file = New-KeygenKey
            $before = Get-FileHash $file
            $key = Import-PfaSshKey $file -Force -PassThru
            $key.Sha256Fingerprint | Should -Be (Get-KeygenSha256 $file)
            $key.Bits | Should -Be 2048
            $key.Comment | Should -Be 'kg-rsa'
            (Get-PfaSshPublicKey).Sha256Fingerprint | Should -Be $key.Sha256Fingerprint
            (Get-FileHash $file).Hash | Should -Be $before.Hash
            Add-AzDevOpsSshKey -InformationAction SilentlyContinue
            Test-Clone $Repo1 | Should -BeTrue
        }

        It 'imports passphrase-protected keys (openssh and PEM), from a file object and from text in the pipeline' {
            $pass = 'correct horse ' + [guid]::NewGuid().ToString('N').Substring(0, 6)
            $secure = ConvertTo-SecureString $pass -AsPlainText -Force
            $openssh = New-KeygenKey -Passphrase $pass
            (Get-Item $openssh | Import-PfaSshKey -Passphrase $secure -Force -PassThru).Sha256Fingerprint | Should -Be (Get-KeygenSha256 $openssh)
            $pem = New-KeygenKey -Passphrase $pass -Pem
            (Get-Content $pem -Raw) | Select-String 'BEGIN RSA PRIVATE KEY' | Should -Not -BeNullOrEmpty
            $imported = Get-Content $pem | Import-PfaSshKey -Passphrase $secure -Force -PassThru -Comment 'from-pem'
            $imported.Sha256Fingerprint | Should -Be (Get-KeygenSha256 $pem)
            $imported.Comment | Should -Be 'from-pem'
            # the stored private key works (and is not protected by the passphrase any more): export it and let ssh-keygen read it
            $out = Join-Path $StateHome ('exported-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
            Export-PfaSshKey -Path $out | Out-Null
            ((& ssh-keygen -y -P '' -f $out) -split ' ')[1] | Should -Be ((Get-Content "$pem.pub" -Raw) -split ' ')[1]
        }

        It 'refuses what Azure DevOps cannot use, and a missing or wrong passphrase, changing nothing' {
            $current = (Get-PfaSshPublicKey -ErrorAction SilentlyContinue).Sha256Fingerprint
            { Import-PfaSshKey (New-KeygenKey ed25519) -Force -ErrorAction Stop } | Should -Throw -ErrorId 'AzDevOpsSshKeyNotRsa,PfaAzureDevOps.Commands.ImportPfaSshKeyCommand'
            { Import-PfaSshKey (New-KeygenKey -Bits 1024) -Force -ErrorAction Stop } | Should -Throw -ErrorId 'SshKeyTooSmall,PfaAzureDevOps.Commands.ImportPfaSshKeyCommand'
            $locked = New-KeygenKey -Passphrase 'sesame-123'
            $err = $null
            try { Import-PfaSshKey $locked -Force -ErrorAction Stop } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -Be 'SshPrivateKeyPassphraseRequired,PfaAzureDevOps.Commands.ImportPfaSshKeyCommand'
            $err.Exception.Message | Should -Match '-Passphrase'
            { Import-PfaSshKey $locked -Force -Passphrase (ConvertTo-SecureString 'wrong' -AsPlainText -Force) -ErrorAction Stop } |
                Should -Throw -ErrorId 'SshPrivateKeyWrongPassphrase,PfaAzureDevOps.Commands.ImportPfaSshKeyCommand'
            { Import-PfaSshKey "$locked.pub" -Force -ErrorAction Stop } | Should -Throw -ErrorId 'SshPrivateKeyUnrecognized,PfaAzureDevOps.Commands.ImportPfaSshKeyCommand'
            { Import-PfaSshKey (Join-Path $StateHome 'nope') -ErrorAction Stop } | Should -Throw -ErrorId 'SshPrivateKeyFileNotFound,PfaAzureDevOps.Commands.ImportPfaSshKeyCommand'
            { 'just text' | Import-PfaSshKey -Force -ErrorAction Stop } | Should -Throw -ErrorId 'SshPrivateKeyUnrecognized,PfaAzureDevOps.Commands.ImportPfaSshKeyCommand'
            (Get-PfaSshPublicKey -ErrorAction SilentlyContinue).Sha256Fingerprint | Should -Be $current
        }

        It 'never replaces the key without -Force; -WhatIf changes nothing; the same key again is a no-op' {
            $file = New-KeygenKey
            Import-PfaSshKey $file -Force
            $other = New-KeygenKey
            { Import-PfaSshKey $other -ErrorAction Stop } | Should -Throw -ErrorId 'SshKeyExists,PfaAzureDevOps.Commands.ImportPfaSshKeyCommand'
            Import-PfaSshKey $other -Force -WhatIf
            (Get-PfaSshPublicKey).Sha256Fingerprint | Should -Be (Get-KeygenSha256 $file)
            (Import-PfaSshKey $file -Force -PassThru -WarningVariable w).Sha256Fingerprint | Should -Be (Get-KeygenSha256 $file)
            $w | Should -BeNullOrEmpty
        }
    }

    Context 'Many organizations' {
        BeforeAll { Import-PfaSshKey (New-KeygenKey) -Force }

        It 'adds, lists and removes the key in several organizations in one call; a refusing one does not stop the others' {
            $added = @(Add-AzDevOpsSshKey -Organization samplecorp, contoso, nossh -PassThru -ErrorVariable failed -ErrorAction SilentlyContinue -InformationVariable said -InformationAction SilentlyContinue)
            @($added.Organization) | Should -Be @('samplecorp', 'contoso')
            @($failed).Count | Should -Be 1
            $failed[0].FullyQualifiedErrorId | Should -Be 'AzDevOpsSshKeysDisabled,PfaAzureDevOps.Commands.AddAzDevOpsSshKeyCommand'
            # the default validity is said aloud
            ($said -join "`n") | Should -Match "to samplecorp as '.+', valid until $([regex]::Escape([DateTimeOffset]::UtcNow.AddDays(365).ToString('yyyy-MM-dd')))"
            Test-Clone $Repo1 | Should -BeTrue
            Test-Clone $Repo2 | Should -BeTrue

            $where = @(Get-AzDevOpsSshKey -Organization samplecorp, contoso -LocalKeyOnly)
            @($where.Organization) | Should -Be @('samplecorp', 'contoso')
            $where | Should -HaveCount 2

            Get-AzDevOpsSshKey -Organization contoso -LocalKeyOnly | Remove-AzDevOpsSshKey -Force
            Test-Clone $Repo1 | Should -BeTrue
            Test-Clone $Repo2 | Should -BeFalse
            Get-AzDevOpsSshKey -Organization samplecorp, contoso | Remove-AzDevOpsSshKey -Force
            Test-Clone $Repo1 | Should -BeFalse
            @(Get-AzDevOpsSshKey -Organization samplecorp, contoso).Count | Should -Be 0
        }

        It 'Test-PfaAzureDevOpsIntegration checks each organization; near expiry warns, within 7 days or expired fails' {
            Add-AzDevOpsSshKey -Organization samplecorp -ExpiresOn ([DateTimeOffset]::UtcNow.AddDays(20)) -InformationAction SilentlyContinue
            Add-AzDevOpsSshKey -Organization contoso -ExpiresOn ([DateTimeOffset]::UtcNow.AddDays(3)) -InformationAction SilentlyContinue
            $checks = @(Test-PfaAzureDevOpsIntegration -Organization samplecorp, contoso | Where-Object Name -EQ 'SshKeyRegistered')
            $checks | Should -HaveCount 2
            $checks[0].Target | Should -Be 'samplecorp'
            "$($checks[0].Result)" | Should -Be 'Warn'
            $checks[0].Message | Should -Match 'Update-PfaSshKey'
            $checks[1].Target | Should -Be 'contoso'
            "$($checks[1].Result)" | Should -Be 'Fail'
            $checks[1].ErrorId | Should -Be 'AzDevOpsSshKeyExpiring'
            $key = Get-AzDevOpsSshKey -Organization samplecorp -LocalKeyOnly
            Control POST '/_test/ssh/expire' @{ authorizationId = "$($key.Id)" } | Out-Null
            $expired = Test-PfaAzureDevOpsIntegration -Organization samplecorp | Where-Object Name -EQ 'SshKeyRegistered'
            "$($expired.Result)" | Should -Be 'Fail'
            $expired.ErrorId | Should -Be 'AzDevOpsSshKeyExpired'
        }

        It 'finds the keys this machine left behind (after a new key) and removes them' {
            Add-AzDevOpsSshKey -Organization samplecorp, contoso -InformationAction SilentlyContinue
            $old = (Get-PfaSshPublicKey).Md5Fingerprint
            # A new key in use (imported: making one with New-PfaSshKey, RSA 3072 at least, costs five times as much).
            Import-PfaSshKey (New-KeygenKey) -Force -WarningAction SilentlyContinue
            Add-AzDevOpsSshKey -Organization samplecorp -InformationAction SilentlyContinue
            # someone else's key in the same organization, with another description, is not this machine's
            Add-AzDevOpsSshKey -Organization samplecorp -Path "$(New-KeygenKey).pub" -Description 'laptop of a colleague' -InformationAction SilentlyContinue
            $orphans = @(Get-AzDevOpsSshKey -Organization samplecorp, contoso -Orphaned)
            $orphans | Should -HaveCount 2
            @($orphans.Md5Fingerprint | Select-Object -Unique) | Should -Be @($old)
            $orphans | Remove-AzDevOpsSshKey -Force
            @(Get-AzDevOpsSshKey -Organization samplecorp, contoso -Orphaned).Count | Should -Be 0
            @(Get-AzDevOpsSshKey -Organization samplecorp).Count | Should -Be 2
            Test-Clone $Repo1 | Should -BeTrue
        }

        It '-VsspsUrl with several organizations is refused' {
            { Get-AzDevOpsSshKey -Organization samplecorp, contoso -VsspsUrl "$($Ado.HttpUrl)/vssps/samplecorp" -ErrorAction Stop } |
                Should -Throw -ErrorId 'AzDevOpsVsspsUrlNeedsOneOrganization,PfaAzureDevOps.Commands.GetAzDevOpsSshKeyCommand'
        }
    }

    Context 'Update-PfaSshKey: rotation without downtime' {
        BeforeAll {
            $script:Secrets = Join-Path $StateHome 'CurrentUser/secrets'
            # The rotation makes a new key of the current key's type and size, and the module makes RSA keys of 3072 or
            # 4096 bits only: the old key is RSA 3072. One for every case (made once; each case's rotation replaces it
            # with a new one and Assert-Rotated imports it again to see it refused).
            $script:OldKeyFile = New-KeygenKey -Bits 3072
            function script:Get-PrivateKeySecretCount { @(Get-ChildItem $Secrets -Filter 'ssh-private-key-*' -ErrorAction Ignore).Count }
            function script:Reset-Key([string] $File = $OldKeyFile) {
                # The old key (kept as a file too, to try it afterwards) in use, registered in both organizations.
                $file = $File
                Remove-Item (Join-Path $StateHome 'CurrentUser/ssh/rotation.json') -ErrorAction Ignore
                Import-PfaSshKey $file -Force -WarningAction SilentlyContinue
                Add-AzDevOpsSshKey -Organization samplecorp, contoso -InformationAction SilentlyContinue
                $file
            }
            function script:Assert-Rotated([string] $OldFile) {
                $new = (Get-PfaSshPublicKey).Md5Fingerprint
                foreach ($o in 'samplecorp', 'contoso') {
                    $keys = @(Get-AzDevOpsSshKey -Organization $o)
                    $keys | Should -HaveCount 1 -Because "only the new key is left in $o"
                    $keys[0].Md5Fingerprint | Should -Be $new
                }
                Test-Path (Join-Path $StateHome 'CurrentUser/ssh/rotation.json') | Should -BeFalse
                Get-PrivateKeySecretCount | Should -Be 1 -Because 'the old private key is deleted'
                Test-Clone $Repo1 | Should -BeTrue
                Test-Clone $Repo2 | Should -BeTrue
                if ($OldFile) {
                    # the old key is refused by sshd now that Azure DevOps no longer lists it
                    Import-PfaSshKey $OldFile -Force -WarningAction SilentlyContinue
                    Test-Clone $Repo1 | Should -BeFalse
                    Test-Clone $Repo2 | Should -BeFalse
                }
            }
            # How often the held call was reached: one HttpClient for the whole loop (Invoke-RestMethod makes a client a call,
            # and the loop asks every 100 ms while a child pwsh starts).
            $script:FaultClient = [System.Net.Http.HttpClient]::new([System.Net.Http.HttpClientHandler]@{ UseProxy = $false })
            function script:Get-FaultHits {
                $rules = $FaultClient.GetStringAsync("$($Ado.HttpUrl)/_test/faults").GetAwaiter().GetResult() | ConvertFrom-Json
                [int](@($rules) | ForEach-Object { $_ } | Measure-Object -Property hits -Sum).Sum
            }
            function script:Start-Rotation([hashtable] $Fault, [string] $Before = '') {
                # Update-PfaSshKey in its own pwsh, with one Azure DevOps call held for a minute: the test kills it there.
                Control DELETE '/_test/faults' | Out-Null
                Control POST '/_test/faults' @{ rules = @(@{ pathPrefix = $Fault.Path; method = $Fault.Method; delayMs = 60000; count = -1 }) } | Out-Null
                $script = Join-Path $StateHome ('rotate-' + [guid]::NewGuid().ToString('N').Substring(0, 6) + '.ps1')
                Set-Content -Path $script -Value @"
Import-Module '$(Get-TestModuleManifest)'
$Before
Update-PfaSshKey -Organization samplecorp, contoso -RepositoryUrl '$Repo1', '$Repo2' -HostKeyFingerprint '$HostFp' -ErrorAction Stop
"@
                $script:RotationLog = "$script.err"
                $script:RotationOut = "$script.out"
                Start-Process -FilePath (Join-Path $PSHOME 'pwsh') -ArgumentList '-NoProfile', '-NonInteractive', '-File', $script -PassThru `
                    -RedirectStandardOutput "$script.out" -RedirectStandardError "$script.err"
            }
            # Runs Update-PfaSshKey in its own pwsh, kills it (SIGKILL) in $Step's held call, and checks the state it
            # leaves: which key is in use, whether a rotation is pending, how many keys both organizations hold, and that
            # the key this machine uses clones both repositories.
            # The next run after a kill: it resumes the rotation and finishes it.
            function script:Complete-Rotation([string] $Old, [string] $OldFp) {
                $result = Update-PfaSshKey -Organization samplecorp, contoso -RepositoryUrl $Repo1, $Repo2 -HostKeyFingerprint $HostFp -InformationAction SilentlyContinue
                "$($result.Status)" | Should -Be 'Rotated'
                $result.Resumed | Should -BeTrue
                $result.OldMd5Fingerprint | Should -Be $OldFp
                Assert-Rotated $Old
            }
            # -Before: steps the killed pwsh runs before its rotation starts (their output: $RotationOut).
            function script:Stop-RotationAt([hashtable] $Step, [string] $OldFp, [string] $Before = '') {
                $process = Start-Rotation @{ Path = $step.Path; Method = $step.Method } -Before $Before
                try {
                    $deadline = [DateTime]::UtcNow.AddSeconds(90)
                    while ([DateTime]::UtcNow -lt $deadline -and -not $process.HasExited) {
                        $hits = Get-FaultHits
                        if ($hits -ge 1) { break }
                        Start-Sleep -Milliseconds 100
                    }
                    $process.HasExited | Should -BeFalse -Because "killed at $($step.Name): the rotation waits in the held call ($(Get-Content $RotationLog -Raw -ErrorAction Ignore))"
                    $hits | Should -BeGreaterOrEqual 1 -Because "killed at $($step.Name)"
                    Stop-Process -Id $process.Id -Force   # SIGKILL: no cleanup runs
                    $process.WaitForExit(10000) | Should -BeTrue
                }
                finally {
                    if (-not $process.HasExited) { Stop-Process -Id $process.Id -Force -ErrorAction Ignore }
                    Control DELETE '/_test/faults' | Out-Null
                }

                # Killed where intended: which key is in use, whether a rotation is pending, how many keys both organizations hold.
                $inUse = if ((Get-PfaSshPublicKey).Md5Fingerprint -eq $oldFp) { 'old' } else { 'new' }
                $inUse | Should -Be $step.InUse -Because "killed at $($step.Name)"
                Test-Path (Join-Path $StateHome 'CurrentUser/ssh/rotation.json') | Should -Be $step.Pending -Because "killed at $($step.Name)"
                @(Get-AzDevOpsSshKey -Organization samplecorp, contoso) | Should -HaveCount $step.Keys -Because "killed at $($step.Name)"
                # Never neither: the key this machine uses clones, in both organizations.
                Test-Clone $Repo1 | Should -BeTrue -Because "killed at $($step.Name)"
                Test-Clone $Repo2 | Should -BeTrue -Because "killed at $($step.Name)"
            }
        }

        AfterAll { $FaultClient.Dispose() }

        It 'rotates in every organization that has the key, only when it nears expiry with -ExpiringWithinDays' {
            # An imported RSA 2048 key (accepted by Import-PfaSshKey): its new key is RSA 3072, the smallest size the module makes.
            $old = Reset-Key (New-KeygenKey -Bits 2048)
            $fp = (Get-PfaSshPublicKey).Md5Fingerprint
            $notDue = Update-PfaSshKey -Organization samplecorp, contoso -ExpiringWithinDays 30
            "$($notDue.Status)" | Should -Be 'NotDue'
            $notDue.DaysLeft | Should -BeGreaterThan 360
            (Get-PfaSshPublicKey).Md5Fingerprint | Should -Be $fp

            # contoso's registration nears its end: the next daily run rotates everywhere
            Get-AzDevOpsSshKey -Organization contoso -LocalKeyOnly | Remove-AzDevOpsSshKey -Force
            Add-AzDevOpsSshKey -Organization contoso -ExpiresOn ([DateTimeOffset]::UtcNow.AddDays(12)) -InformationAction SilentlyContinue
            "$((Test-PfaAzureDevOpsIntegration -Organization contoso | Where-Object Name -EQ 'SshKeyRegistered').Result)" | Should -Be 'Warn'
            $result = Update-PfaSshKey -Organization samplecorp, contoso -ExpiringWithinDays 30 -RepositoryUrl $Repo1, $Repo2 -HostKeyFingerprint $HostFp -InformationVariable said -InformationAction SilentlyContinue
            "$($result.Status)" | Should -Be 'Rotated'
            $result.OldMd5Fingerprint | Should -Be $fp
            $result.NewMd5Fingerprint | Should -Be (Get-PfaSshPublicKey).Md5Fingerprint
            $result.NewMd5Fingerprint | Should -Not -Be $fp
            (Get-PfaSshPublicKey).Bits | Should -Be 3072
            @($result.Organizations) | Should -Be @('samplecorp', 'contoso')
            @($result.RepositoriesChecked) | Should -HaveCount 2
            $result.DaysLeft | Should -BeGreaterThan 360
            $result.Resumed | Should -BeFalse
            ($said -join ' ') | Should -Match 'was rotated'
            $shown = $result | Out-String -Width 80
            $shown | Should -Match 'Status\s+: Rotated'
            $shown | Should -Match ('KeyInUse\s+: MD5:' + [regex]::Escape($result.NewMd5Fingerprint))
            $shown | Should -Match 'Organizations\s+: samplecorp, contoso'
            @($shown -split "`n" | Where-Object { $_.TrimEnd().Length -gt 80 }) | Should -BeNullOrEmpty
            "$((Test-PfaAzureDevOpsIntegration -Organization samplecorp, contoso | Where-Object Name -EQ 'SshKeyRegistered').Result -join ',')" | Should -Be 'Pass,Pass'
            Assert-Rotated $old
        }

        It 'stops before the old key is touched when the new key cannot clone; the next run resumes' {
            $old = Reset-Key
            $fp = (Get-PfaSshPublicKey).Md5Fingerprint
            $missing = "ssh://$($Ado.SshUser)@127.0.0.1:$($Ado.SshPort)/v3/samplecorp/Modules/no-such-repo"
            $err = $null
            try { Update-PfaSshKey -Organization samplecorp, contoso -RepositoryUrl $missing -HostKeyFingerprint $HostFp -ErrorAction Stop } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -Be 'SshKeyRotationAccessCheckFailed,PfaAzureDevOps.Commands.UpdatePfaSshKeyCommand'
            $err.Exception.Message | Should -Match 'old key is still'
            (Get-PfaSshPublicKey).Md5Fingerprint | Should -Be $fp
            Test-Clone $Repo1 | Should -BeTrue
            @(Get-AzDevOpsSshKey -Organization samplecorp) | Should -HaveCount 2 -Because 'the new key is added, the old one not yet removed'
            Test-Path (Join-Path $StateHome 'CurrentUser/ssh/rotation.json') | Should -BeTrue

            $result = Update-PfaSshKey -RepositoryUrl $Repo1, $Repo2 -HostKeyFingerprint $HostFp -InformationAction SilentlyContinue
            $result.Resumed | Should -BeTrue
            @($result.Organizations) | Should -Be @('samplecorp', 'contoso')
            Assert-Rotated $old
        }

        # One rotation killed at each step in turn: each kill's run is the "next run" of the state the previous kill left,
        # and this session's run after the last one finishes the rotation. Each state is checked as it is left (which key
        # is in use, whether a rotation is pending, how many keys both organizations hold, and that the key in use clones
        # both repositories); the run after it must get past it to be killed at the next step. Five separate cases, each
        # with its own old key, registrations and finished rotation, checked the same states for three times the work.
        It 'killed at each step in turn (first listing, first add, second add, first removal, second removal): afterwards the stored key clones both repositories, and the next run resumes; the last finishes the rotation' {
            $steps = @(
                @{ Name = 'the first listing (before anything)'; Path = '/samplecorp/_apis/Token/SessionTokens'; Method = 'GET'; InUse = 'old'; Pending = $false; Keys = 2 }
                @{ Name = 'the first add (new key made, nothing added)'; Path = '/samplecorp/_apis/Contribution/HierarchyQuery'; Method = 'POST'; InUse = 'old'; Pending = $true; Keys = 2 }
                @{ Name = 'the second add (added in one organization)'; Path = '/contoso/_apis/Contribution/HierarchyQuery'; Method = 'POST'; InUse = 'old'; Pending = $true; Keys = 3 }
                @{ Name = 'the first removal (new key in use, old key everywhere)'; Path = '/samplecorp/_apis/Token/SessionTokens/'; Method = 'DELETE'; InUse = 'new'; Pending = $true; Keys = 4 }
                @{ Name = 'the second removal (old key removed from one organization)'; Path = '/contoso/_apis/Token/SessionTokens/'; Method = 'DELETE'; InUse = 'new'; Pending = $true; Keys = 3 }
            )
            $old = Reset-Key
            $oldFp = (Get-PfaSshPublicKey).Md5Fingerprint
            foreach ($step in $steps) { Stop-RotationAt $step $oldFp }

            Complete-Rotation $old $oldFp
        }

        # The chain above resumes to completion only from its last state, where nothing is left to add. Killed at the
        # first add (the earliest pending state: a new key made and recorded, nothing added), the next run goes through
        # every phase of a resume: both adds, the proof, the switch, both removals and the deletion.
        It 'killed at the first add, the next run finishes the rotation' {
            $old = Reset-Key
            $oldFp = (Get-PfaSshPublicKey).Md5Fingerprint
            # Before its rotation, the pwsh that is killed runs the -WhatIf case below (a fresh process of its own there
            # would only repeat the module's start, about 2 CPU s): its plan for this same state, and what it left.
            $whatIf = @"
`$ErrorActionPreference = 'Stop'
Update-PfaSshKey -Organization samplecorp, contoso, nossh -RepositoryUrl '$Repo1' -HostKeyFingerprint '$HostFp' -WhatIf
'WHATIF-KEY=' + (Get-PfaSshPublicKey).Md5Fingerprint
'WHATIF-KEYS=' + @(Get-AzDevOpsSshKey -Organization samplecorp, contoso).Count
'WHATIF-PENDING=' + (Test-Path (Join-Path `$env:PFA_AZUREDEVOPS_HOME 'CurrentUser/ssh/rotation.json'))
`$ErrorActionPreference = 'Continue'
"@
            Stop-RotationAt @{ Name = 'the first add (new key made, nothing added)'; Path = '/samplecorp/_apis/Contribution/HierarchyQuery'; Method = 'POST'; InUse = 'old'; Pending = $true; Keys = 2 } $oldFp -Before $whatIf
            $script:WhatIf = [pscustomobject]@{ Fingerprint = $oldFp; Text = (Get-Content -Raw $RotationOut) + (Get-Content -Raw $RotationLog -ErrorAction Ignore) }
            Complete-Rotation $old $oldFp
        }

        It '-WhatIf shows the plan step by step and changes nothing' {
            # Run by the pwsh of the case above, before its rotation, against the same state (the old key in use and
            # registered in samplecorp and contoso).
            $text = $WhatIf.Text
            $fp = $WhatIf.Fingerprint
            $text | Should -Match 'not registered in nossh'
            $text | Should -Match 'Step 1 of 8: Generate a new RSA 3072-bit key, kept aside .* on target "this machine"'
            $text | Should -Match 'Step 2 of 8: Add the new key" on target "samplecorp"'
            $text | Should -Match 'Step 3 of 8: Add the new key" on target "contoso"'
            $text | Should -Match ('Step 4 of 8: Prove that the new key can clone" on target "' + [regex]::Escape($Repo1) + '"')
            $text | Should -Match 'Step 5 of 8: Make the new key the SSH key in use" on target "this machine"'
            $text | Should -Match "Step 6 of 8: Remove the old key MD5:$fp \(id [0-9a-f-]{36}\)`" on target `"samplecorp`""
            $text | Should -Match "Step 8 of 8: Delete the private key of the old key MD5:$fp"
            $text | Should -Match "WHATIF-KEY=$fp" -Because 'the key in use is the same'
            $text | Should -Match 'WHATIF-KEYS=2\b' -Because 'both organizations still hold the old key only'
            $text | Should -Match 'WHATIF-PENDING=False' -Because 'no rotation is pending'
        }
    }

    Context 'Azure DevOps Server: the collection URL serves the key endpoints' {
        It 'with -OrganizationUrl and a personal access token, keys go through the collection URL, never a made-up vssps path' {
            Import-PfaSshKey (New-KeygenKey) -Force
            $pat = ConvertTo-SecureString (Control POST '/_test/tokens' @{}).accessToken -AsPlainText -Force
            Control POST '/_test/faults' @{ rules = @(@{ pathPrefix = '/vssps/'; status = 500; count = -1 }) } | Out-Null
            try {
                $key = Add-AzDevOpsSshKey -OrganizationUrl "$($Ado.HttpUrl)/contoso" -PersonalAccessToken $pat -PassThru -InformationAction SilentlyContinue
                $key.Organization | Should -Be 'contoso'
                (Get-AzDevOpsSshKey -OrganizationUrl "$($Ado.HttpUrl)/contoso" -PersonalAccessToken $pat -LocalKeyOnly).Id | Should -Be $key.Id
                Test-Clone $Repo2 | Should -BeTrue
                $hits = (@(Control GET '/_test/faults') | ForEach-Object { $_ } | Measure-Object -Property hits -Sum).Sum
                $hits | Should -Be 0
            }
            finally { Control DELETE '/_test/faults' | Out-Null }
            # the hosted layout (a separate token service host) is reached only through an explicit -VsspsUrl
            (Get-AzDevOpsSshKey -Organization contoso -VsspsUrl "$($Ado.HttpUrl)/vssps/contoso" -LocalKeyOnly).Id | Should -Be $key.Id
            Remove-AzDevOpsSshKey -Id $key.Id -OrganizationUrl "$($Ado.HttpUrl)/contoso" -PersonalAccessToken $pat -Force
            Test-Clone $Repo2 | Should -BeFalse
        }
    }
}
