#requires -Modules Pester
BeforeDiscovery {
    $script:HaveSshKeygen = [bool](Get-Command ssh-keygen -ErrorAction Ignore)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers/TestHelpers.psm1') -Force
    Import-Module PfaAzureDevOps -Force
    $script:HaveSshKeygen = [bool](Get-Command ssh-keygen -ErrorAction Ignore)

    function Get-KeyFile([string] $Name) {
        <# A path for an exported key in a fresh folder of the current test's state home. #>
        $folder = Join-Path $env:PFA_AZUREDEVOPS_HOME ('export-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory -Path $folder | Out-Null
        Join-Path $folder $Name
    }

    function Invoke-SshKeygen {
        <# Runs ssh-keygen; returns its exit code and combined output. #>
        param([string[]] $Arguments)
        $output = & ssh-keygen @Arguments 2>&1 | ForEach-Object { "$_" }
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Text = ($output -join "`n").Trim() }
    }

    function Get-TypeAndBlob([string] $Line) { ($Line.Trim() -split '\s+')[0..1] -join ' ' }

    function Get-PrivateKeyLines([string] $PrivateKeyFile) {
        <# The base64 lines of the second half of an openssh-key-v1 file: the private key material. #>
        $body = @(Get-Content $PrivateKeyFile | Where-Object { $_ -and $_ -notmatch '^-----' })
        @($body[[int]($body.Count / 2)..($body.Count - 2)] | Where-Object { $_.Length -ge 40 })
    }
}

Describe 'New-PfaSshKey and Get-PfaSshPublicKey' {
    BeforeEach { $script:StateHome = New-TestStateHome }
    AfterEach { Remove-TestStateHome $script:StateHome }

    It 'generates <Type> <Bits> whose files pass ssh-keygen, with the same fingerprints' -Skip:(-not $HaveSshKeygen) -ForEach @(
        @{ Type = 'Rsa'; Bits = 3072; Prefix = 'ssh-rsa'; Keygen = 'RSA' }
        @{ Type = 'Rsa'; Bits = 4096; Prefix = 'ssh-rsa'; Keygen = 'RSA' }
        @{ Type = 'Ed25519'; Bits = 256; Prefix = 'ssh-ed25519'; Keygen = 'ED25519' }
        @{ Type = 'EcdsaP256'; Bits = 256; Prefix = 'ecdsa-sha2-nistp256'; Keygen = 'ECDSA' }
    ) {
        $splat = @{ KeyType = $Type; Comment = "pfa-test-$Type" }
        if ($Type -eq 'Rsa') { $splat.Bits = $Bits }
        $new = New-PfaSshKey @splat -PassThru -WarningAction SilentlyContinue
        $new | Should -BeOfType ([PfaAzureDevOps.PfaSshPublicKey])
        $new.KeyType | Should -Be $Type
        $new.Bits | Should -Be $Bits
        $new.Comment | Should -Be "pfa-test-$Type"
        $new.PublicKey | Should -Match "^$Prefix AAAA[A-Za-z0-9+/=]+ pfa-test-$Type$"
        $new.Path | Should -BeNullOrEmpty

        $key = Get-PfaSshPublicKey
        $key | Should -BeOfType ([PfaAzureDevOps.PfaSshPublicKey])
        $key.PublicKey | Should -Be $new.PublicKey
        $key.Sha256Fingerprint | Should -Be $new.Sha256Fingerprint
        "$key" | Should -Be $new.PublicKey
        "$(Get-PfaSshPublicKey)" | Should -Be $new.PublicKey
        ($key.CreatedOn - [DateTimeOffset]::UtcNow).Duration().TotalMinutes | Should -BeLessThan 5

        $file = Get-KeyFile 'id_test'
        $exported = Export-PfaSshKey -Path $file
        $exported.Path | Should -Be $file
        $exported.PublicKey | Should -Be $new.PublicKey
        Get-UnixMode $file | Should -Be '600'
        (Get-Content -Raw "$file.pub").TrimEnd("`n") | Should -Be $new.PublicKey
        Get-Content -Raw $file | Should -Match '^-----BEGIN OPENSSH PRIVATE KEY-----\n'

        # ssh-keygen -l reads a .pub beside the private key when there is one: check the private file alone.
        $alone = Join-Path (Split-Path (Get-KeyFile 'x')) 'private_only'
        Copy-Item $file $alone
        & chmod 600 $alone
        $sha = Invoke-SshKeygen @('-l', '-f', $alone)
        $sha.ExitCode | Should -Be 0 -Because $sha.Text
        $sha.Text | Should -Be "$Bits $($new.Sha256Fingerprint) pfa-test-$Type ($Keygen)"
        $md5 = Invoke-SshKeygen @('-l', '-E', 'md5', '-f', $alone)
        $md5.ExitCode | Should -Be 0 -Because $md5.Text
        $md5.Text | Should -Be "$Bits MD5:$($new.Md5Fingerprint) pfa-test-$Type ($Keygen)"
        $public = Invoke-SshKeygen @('-y', '-f', $alone)
        $public.ExitCode | Should -Be 0 -Because $public.Text
        Get-TypeAndBlob $public.Text | Should -Be (Get-TypeAndBlob $new.PublicKey)
        $pubFile = Invoke-SshKeygen @('-l', '-f', "$file.pub")
        $pubFile.Text | Should -Be $sha.Text
    }

    It 'exports <Type> encrypted with a passphrase that ssh-keygen -y -P accepts, and only with it' -Skip:(-not $HaveSshKeygen) -ForEach @(
        @{ Type = 'Rsa' }
        @{ Type = 'Ed25519' }
        @{ Type = 'EcdsaP256' }
    ) {
        $splat = @{ KeyType = $Type }
        if ($Type -eq 'Rsa') { $splat.Bits = 3072 }
        $new = New-PfaSshKey @splat -PassThru -WarningAction SilentlyContinue
        $file = Get-KeyFile 'id_encrypted'
        $pass = 'pfa pass ' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        Export-PfaSshKey -Path $file -Passphrase (ConvertTo-SecureString $pass -AsPlainText -Force) | Out-Null
        Get-UnixMode $file | Should -Be '600'
        Get-Content -Raw $file | Should -Not -Match 'pfa pass'
        $right = Invoke-SshKeygen @('-y', '-P', $pass, '-f', $file)
        $right.ExitCode | Should -Be 0 -Because $right.Text
        Get-TypeAndBlob $right.Text | Should -Be (Get-TypeAndBlob $new.PublicKey)
        (Invoke-SshKeygen @('-y', '-P', 'wrong', '-f', $file)).ExitCode | Should -Not -Be 0
        (Invoke-SshKeygen @('-y', '-P', '', '-f', $file)).ExitCode | Should -Not -Be 0
    }

    It 'makes an RSA 4096 key by default, commented user@machine, and writes nothing without -PassThru' {
        New-PfaSshKey -WarningAction SilentlyContinue | Should -BeNullOrEmpty
        $key = Get-PfaSshPublicKey
        $key.KeyType | Should -Be 'Rsa'
        $key.Bits | Should -Be 4096
        $key.Comment | Should -Be "$([Environment]::UserName)@$([Environment]::MachineName)"
        $key.Md5Fingerprint | Should -Match '^([0-9a-f]{2}:){15}[0-9a-f]{2}$'
        $key.Sha256Fingerprint | Should -Match '^SHA256:[A-Za-z0-9+/]{43}$'
        Test-Path (Join-Path $StateHome 'CurrentUser/ssh/key.json') | Should -BeTrue
        $doc = Get-Content -Raw (Join-Path $StateHome 'CurrentUser/ssh/key.json') | ConvertFrom-Json
        $doc.kind | Should -Be 'pfa.azuredevops.sshkey'
        $doc.schemaVersion | Should -Be 1
        $doc.publicKey | Should -Be $key.PublicKey
        $doc.secretName | Should -Match '^ssh-private-key-'
    }

    It 'warns that Azure DevOps accepts only RSA for <Type>, and not for RSA' -ForEach @(@{ Type = 'Ed25519' }, @{ Type = 'EcdsaP256' }) {
        New-PfaSshKey -KeyType $Type -WarningVariable w -WarningAction SilentlyContinue
        ($w -join "`n") | Should -Match 'Azure DevOps accepts only RSA'
        New-PfaSshKey -KeyType Rsa -Bits 3072 -Force -WarningVariable w2 -WarningAction SilentlyContinue
        ($w2 -join "`n") | Should -Not -Match 'accepts only RSA'
    }

    It 'refuses to replace a key without -Force and keeps the old one; -Force replaces it and its secret' {
        $first = New-PfaSshKey -KeyType Ed25519 -PassThru -WarningAction SilentlyContinue
        { New-PfaSshKey -KeyType Ed25519 -ErrorAction Stop -WarningAction SilentlyContinue } |
            Should -Throw -ErrorId 'SshKeyExists,PfaAzureDevOps.Commands.NewPfaSshKeyCommand' -ExpectedMessage '*-Force*stops working*'
        (Get-PfaSshPublicKey).PublicKey | Should -Be $first.PublicKey
        $secrets = Join-Path $StateHome 'CurrentUser/secrets'
        $before = @(Get-ChildItem $secrets -Filter 'ssh-private-key-*')
        $before.Count | Should -Be 1

        $second = New-PfaSshKey -KeyType Ed25519 -Force -PassThru -WarningVariable w -WarningAction SilentlyContinue
        $second.PublicKey | Should -Not -Be $first.PublicKey
        (Get-PfaSshPublicKey).PublicKey | Should -Be $second.PublicKey
        ($w -join "`n") | Should -Match 'no longer works'
        $after = @(Get-ChildItem $secrets -Filter 'ssh-private-key-*')
        $after.Count | Should -Be 1
        $after[0].Name | Should -Not -Be $before[0].Name
    }

    It '-WhatIf creates nothing, and replaces nothing' {
        New-PfaSshKey -WhatIf
        Test-Path (Join-Path $StateHome 'CurrentUser/ssh/key.json') | Should -BeFalse
        $first = New-PfaSshKey -KeyType Ed25519 -PassThru -WarningAction SilentlyContinue
        New-PfaSshKey -KeyType Ed25519 -Force -WhatIf
        (Get-PfaSshPublicKey).PublicKey | Should -Be $first.PublicKey
    }

    It 'bad sizes are refused before anything is written' {
        { New-PfaSshKey -KeyType Ed25519 -Bits 3072 -ErrorAction Stop -WarningAction SilentlyContinue } |
            Should -Throw -ErrorId 'SshKeyInvalidSize,PfaAzureDevOps.Commands.NewPfaSshKeyCommand' -ExpectedMessage '*RSA keys only*'
        { New-PfaSshKey -Bits 2048 -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,PfaAzureDevOps.Commands.NewPfaSshKeyCommand'
        { New-PfaSshKey -KeyType Ed25519 -Comment "two`nlines" -ErrorAction Stop -WarningAction SilentlyContinue } |
            Should -Throw -ErrorId 'SshKeyInvalidComment,PfaAzureDevOps.Commands.NewPfaSshKeyCommand'
        Test-Path (Join-Path $StateHome 'CurrentUser/ssh/key.json') | Should -BeFalse
    }

    It 'with no key, Get, Export and Remove say to run New-PfaSshKey' {
        { Get-PfaSshPublicKey -ErrorAction Stop } | Should -Throw -ErrorId 'SshKeyNotFound,PfaAzureDevOps.Commands.GetPfaSshPublicKeyCommand' -ExpectedMessage '*New-PfaSshKey*'
        { Export-PfaSshKey -Path (Get-KeyFile 'id') -ErrorAction Stop } | Should -Throw -ErrorId 'SshKeyNotFound,PfaAzureDevOps.Commands.ExportPfaSshKeyCommand'
        { Remove-PfaSshKey -Force -ErrorAction Stop } | Should -Throw -ErrorId 'SshKeyNotFound,PfaAzureDevOps.Commands.RemovePfaSshKeyCommand'
    }

    It 'works in a fresh non-interactive process, against the same store' {
        $r = Invoke-FreshPwsh -Script @'
Import-Module PfaAzureDevOps
$k = New-PfaSshKey -KeyType Ed25519 -PassThru -WarningAction SilentlyContinue
"$k"
'@
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output[-1] | Should -Be (Get-PfaSshPublicKey).PublicKey
    }
}

Describe 'Remove-PfaSshKey' {
    BeforeEach { $script:StateHome = New-TestStateHome }
    AfterEach { Remove-TestStateHome $script:StateHome }

    It 'removes the key and its private key; -PassThru returns what was removed' {
        $key = New-PfaSshKey -KeyType Ed25519 -PassThru -WarningAction SilentlyContinue
        $removed = Remove-PfaSshKey -Force -PassThru
        $removed.Sha256Fingerprint | Should -Be $key.Sha256Fingerprint
        { Get-PfaSshPublicKey -ErrorAction Stop } | Should -Throw -ErrorId 'SshKeyNotFound,PfaAzureDevOps.Commands.GetPfaSshPublicKeyCommand'
        @(Get-ChildItem (Join-Path $StateHome 'CurrentUser/secrets') -Filter 'ssh-private-key-*').Count | Should -Be 0
    }

    It '-Confirm:$false removes; -WhatIf keeps the key' {
        $key = New-PfaSshKey -KeyType Ed25519 -PassThru -WarningAction SilentlyContinue
        Remove-PfaSshKey -WhatIf
        (Get-PfaSshPublicKey).PublicKey | Should -Be $key.PublicKey
        Remove-PfaSshKey -Confirm:$false
        { Get-PfaSshPublicKey -ErrorAction Stop } | Should -Throw -ErrorId 'SshKeyNotFound,PfaAzureDevOps.Commands.GetPfaSshPublicKeyCommand'
    }

    It 'asks for confirmation (high impact): a non-interactive session without -Force fails instead of hanging' {
        New-PfaSshKey -KeyType Ed25519 -WarningAction SilentlyContinue
        $r = Invoke-FreshPwsh -Script @'
Import-Module PfaAzureDevOps
try { Remove-PfaSshKey -ErrorAction Stop; 'removed' } catch { 'failed: ' + $_.FullyQualifiedErrorId }
'@
        $r.Text | Should -Not -Match 'removed'
        Get-PfaSshPublicKey | Should -Not -BeNullOrEmpty
    }
}

Describe 'A damaged store' {
    BeforeEach {
        $script:StateHome = New-TestStateHome
        $script:Doc = Join-Path $StateHome 'CurrentUser/ssh/key.json'
    }
    AfterEach { Remove-TestStateHome $script:StateHome }

    It 'a corrupt key.json gets StoreFileCorrupt, is never overwritten, and Remove -Force moves it aside' {
        New-Item -ItemType Directory (Split-Path $Doc) -Force | Out-Null
        Set-Content -Path $Doc -Value '{ not json' -NoNewline
        { Get-PfaSshPublicKey -ErrorAction Stop } | Should -Throw -ErrorId 'StoreFileCorrupt,PfaAzureDevOps.Commands.GetPfaSshPublicKeyCommand' -ExpectedMessage "*$Doc*"
        { New-PfaSshKey -KeyType Ed25519 -Force -ErrorAction Stop -WarningAction SilentlyContinue } | Should -Throw -ErrorId 'StoreFileCorrupt,PfaAzureDevOps.Commands.NewPfaSshKeyCommand'
        { Export-PfaSshKey -Path (Get-KeyFile 'id') -ErrorAction Stop } | Should -Throw -ErrorId 'StoreFileCorrupt,PfaAzureDevOps.Commands.ExportPfaSshKeyCommand'
        { Remove-PfaSshKey -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'StoreFileCorrupt,PfaAzureDevOps.Commands.RemovePfaSshKeyCommand'
        Get-Content -Raw $Doc | Should -Be '{ not json'
        Remove-PfaSshKey -Force -WarningAction SilentlyContinue
        Test-Path $Doc | Should -BeFalse
        $aside = @(Get-ChildItem (Split-Path $Doc) -Filter 'key.json.unreadable-*')
        $aside.Count | Should -Be 1
        Get-Content -Raw $aside[0].FullName | Should -Be '{ not json'
        New-PfaSshKey -KeyType Ed25519 -WarningAction SilentlyContinue
        Get-PfaSshPublicKey | Should -Not -BeNullOrEmpty
    }

    It 'a key.json whose public key was tampered with is StoreFileCorrupt' {
        New-PfaSshKey -KeyType Ed25519 -WarningAction SilentlyContinue
        $json = Get-Content -Raw $Doc | ConvertFrom-Json
        $json.publicKey = 'ssh-rsa AAAA not-a-key'
        $json | ConvertTo-Json | Set-Content $Doc
        { Get-PfaSshPublicKey -ErrorAction Stop } | Should -Throw -ErrorId 'StoreFileCorrupt,PfaAzureDevOps.Commands.GetPfaSshPublicKeyCommand'
    }

    It 'a key.json of a newer schema version is refused and kept' {
        New-PfaSshKey -KeyType Ed25519 -WarningAction SilentlyContinue
        $json = Get-Content -Raw $Doc | ConvertFrom-Json
        $json.schemaVersion = 7
        $json | ConvertTo-Json | Set-Content $Doc
        $before = Get-Content -Raw $Doc
        { Get-PfaSshPublicKey -ErrorAction Stop } | Should -Throw -ErrorId 'StoreVersionUnsupported,PfaAzureDevOps.Commands.GetPfaSshPublicKeyCommand'
        Get-Content -Raw $Doc | Should -Be $before
    }

    It 'a missing private key is SshKeyPrivateKeyMissing; a damaged one is SshKeyPrivateKeyCorrupt' {
        New-PfaSshKey -KeyType Ed25519 -WarningAction SilentlyContinue
        $secret = @(Get-ChildItem (Join-Path $StateHome 'CurrentUser/secrets') -Filter 'ssh-private-key-*')
        if ($secret.Count -ne 1) { Set-ItResult -Skipped -Because 'the vault is a keyring here, not files'; return }
        Set-Content -Path $secret[0].FullName -Value 'garbage' -NoNewline
        { Export-PfaSshKey -Path (Get-KeyFile 'id') -ErrorAction Stop } | Should -Throw -ErrorId 'SshKeyPrivateKeyCorrupt,PfaAzureDevOps.Commands.ExportPfaSshKeyCommand' -ExpectedMessage '*New-PfaSshKey -Force*'
        Remove-Item $secret[0].FullName
        { Export-PfaSshKey -Path (Get-KeyFile 'id') -ErrorAction Stop } | Should -Throw -ErrorId 'SshKeyPrivateKeyMissing,PfaAzureDevOps.Commands.ExportPfaSshKeyCommand' -ExpectedMessage '*New-PfaSshKey -Force*'
        (Get-PfaSshPublicKey).KeyType | Should -Be 'Ed25519'
        New-PfaSshKey -KeyType Ed25519 -Force -WarningAction SilentlyContinue
        Export-PfaSshKey -Path (Get-KeyFile 'id') | Should -Not -BeNullOrEmpty
    }
}

Describe 'Export-PfaSshKey' {
    BeforeEach {
        $script:StateHome = New-TestStateHome
        $script:Key = New-PfaSshKey -KeyType Ed25519 -PassThru -WarningAction SilentlyContinue
    }
    AfterEach { Remove-TestStateHome $script:StateHome }

    It 'refuses to overwrite the key or its .pub without -Force; -Force overwrites, still owner-only' {
        $file = Get-KeyFile 'id'
        Set-Content -Path $file -Value 'keep me' -NoNewline
        { Export-PfaSshKey -Path $file -ErrorAction Stop } | Should -Throw -ErrorId 'SshKeyExportExists,PfaAzureDevOps.Commands.ExportPfaSshKeyCommand' -ExpectedMessage '*-Force*'
        Get-Content -Raw $file | Should -Be 'keep me'
        Test-Path "$file.pub" | Should -BeFalse

        $other = Get-KeyFile 'id2'
        Set-Content -Path "$other.pub" -Value 'keep me too' -NoNewline
        { Export-PfaSshKey -Path $other -ErrorAction Stop } | Should -Throw -ErrorId 'SshKeyExportExists,PfaAzureDevOps.Commands.ExportPfaSshKeyCommand'
        Test-Path $other | Should -BeFalse

        & chmod 644 $file
        Export-PfaSshKey -Path $file -Force | Out-Null
        Get-Content -Raw $file | Should -Match 'BEGIN OPENSSH PRIVATE KEY'
        Get-UnixMode $file | Should -Be '600'
        (Get-Content -Raw "$file.pub").Trim() | Should -Be $Key.PublicKey
        @(Get-ChildItem (Split-Path $file) -Force -Filter '*.tmp').Count | Should -Be 0
    }

    It 'resolves a relative and a ~-free PowerShell path through the provider' {
        $folder = Split-Path (Get-KeyFile 'x')
        Push-Location $folder
        try { $out = Export-PfaSshKey -Path './rel_key' }
        finally { Pop-Location }
        $out.Path | Should -Be (Join-Path $folder 'rel_key')
        Test-Path (Join-Path $folder 'rel_key.pub') | Should -BeTrue
    }

    It 'refuses a path on another provider, a missing folder, a folder, and an empty passphrase' {
        { Export-PfaSshKey -Path 'Env:\PFA_KEY' -ErrorAction Stop } | Should -Throw -ErrorId 'PathNotFileSystem,PfaAzureDevOps.Commands.ExportPfaSshKeyCommand'
        { Export-PfaSshKey -Path (Join-Path $StateHome 'no/such/folder/id') -ErrorAction Stop } | Should -Throw -ErrorId 'SshKeyExportFailed,PfaAzureDevOps.Commands.ExportPfaSshKeyCommand' -ExpectedMessage '*does not exist*'
        { Export-PfaSshKey -Path $StateHome -ErrorAction Stop } | Should -Throw -ErrorId 'SshKeyExportFailed,PfaAzureDevOps.Commands.ExportPfaSshKeyCommand' -ExpectedMessage '*is a folder*'
        { Export-PfaSshKey -Path (Get-KeyFile 'id') -Passphrase (New-Object System.Security.SecureString) -ErrorAction Stop } | Should -Throw -ErrorId 'SshKeyPassphraseEmpty,PfaAzureDevOps.Commands.ExportPfaSshKeyCommand'
    }

    It '-WhatIf writes nothing' {
        $file = Get-KeyFile 'id'
        Export-PfaSshKey -Path $file -WhatIf
        Test-Path $file | Should -BeFalse
        Test-Path "$file.pub" | Should -BeFalse
    }
}

Describe 'The private key stays private' {
    BeforeEach { $script:StateHome = New-TestStateHome }
    AfterEach { Remove-TestStateHome $script:StateHome }

    It 'never reaches an output stream, a transcript, an error or a readable file other than the vault and the export' -Skip:(-not $IsLinux) {
        $transcript = [IO.Path]::GetFullPath((Join-Path ([IO.Path]::GetTempPath()) ('pfa-transcript-' + [guid]::NewGuid().ToString('N') + '.txt')))
        $export = Get-KeyFile 'id_scan'
        Start-Transcript -Path $transcript | Out-Null
        try {
            $streams = & {
                $DebugPreference = 'Continue'
                $ErrorActionPreference = 'Continue'
                New-PfaSshKey -Bits 3072 -PassThru -Verbose
                Get-PfaSshPublicKey -Verbose | Format-List * | Out-String
                Get-PfaSshPublicKey | ConvertTo-Json -Depth 5
                Export-PfaSshKey -Path $export -Verbose | Format-List * | Out-String
                Export-PfaSshKey -Path $export
                New-PfaSshKey -Bits 3072
                Export-PfaSshKey -Path 'Env:\x'
            } *>&1 | Out-String
        }
        finally { Stop-Transcript | Out-Null }
        $lines = @(Get-PrivateKeyLines $export)
        $lines.Count | Should -BeGreaterThan 5
        $streams | Should -Not -BeNullOrEmpty
        $errors = $Error | Out-String
        $text = Get-Content -Raw $transcript
        Remove-Item $transcript
        foreach ($line in $lines) {
            $streams.Contains($line) | Should -BeFalse
            $errors.Contains($line) | Should -BeFalse
            $text.Contains($line) | Should -BeFalse
        }
        # Only the vault (owner-only file in an owner-only folder) and the exported file may hold it.
        $holders = @(Get-ChildItem $StateHome -Recurse -File | Where-Object {
                $content = Get-Content -Raw $_.FullName -ErrorAction Ignore
                $content -and @($lines | Where-Object { $content.Contains($_) }).Count -gt 0
            })
        $holders.Count | Should -BeGreaterThan 0
        foreach ($file in $holders) {
            if ($file.FullName -eq $export) { Get-UnixMode $file.FullName | Should -Be '600'; continue }
            $file.DirectoryName | Should -Be (Join-Path $StateHome 'CurrentUser/secrets')
            Get-UnixMode $file.FullName | Should -Be '600'
        }
        Get-UnixMode (Join-Path $StateHome 'CurrentUser/secrets') | Should -Be '700'
        Get-UnixMode (Join-Path $StateHome 'CurrentUser/ssh/key.json') | Should -Be '644'
    }
}
