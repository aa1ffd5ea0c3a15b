<#
.SYNOPSIS
    SSH benchmarks, each side by side with its anchor in one run (interleaved, medians). Dot-sourced by
    Invoke-Benchmarks.ps1, which defines Compare-SideBySide and Measure-Process and has imported nothing yet.

.DESCRIPTION
    - Key generation: New-PfaSshKey -Force (generate + store) in a warm session against 'ssh-keygen -q -N ""' for
      RSA 4096 and Ed25519. Target: at most 1.0x ssh-keygen.
    - Access check: Test-PfaAzureDevOpsSshAccess in a warm session against 'git ls-remote' through OpenSSH, with the
      same key, against the same loopback sshd and bare repository. Target: at most 1.0x.
#>
function Invoke-SshBenchmarks {
    param([Parameter(Mandatory)] [string] $Manifest, [int] $Runs = 15)
    $results = @()
    if (-not (Get-Command ssh-keygen -ErrorAction Ignore)) { Write-Warning 'ssh-keygen not found: SSH benchmarks skipped.'; return $results }
    Import-Module $Manifest -Force
    $work = Join-Path ([IO.Path]::GetTempPath()) ('pfa-bench-ssh-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
    New-Item -ItemType Directory -Path $work | Out-Null
    $sshd = $null
    try {
        $keygenFile = Join-Path $work 'anchor_key'
        foreach ($case in @(@{ Name = 'RSA 4096'; Type = 'Rsa'; Keygen = @('-t', 'rsa', '-b', '4096') }, @{ Name = 'Ed25519'; Type = 'Ed25519'; Keygen = @('-t', 'ed25519') })) {
            $keygenArgs = @('-q', '-N', '', '-C', 'bench', '-f', $keygenFile) + $case.Keygen
            $type = $case.Type
            $results += Compare-SideBySide -Name "Key generation $($case.Name) (warm session vs ssh-keygen)" -Runs $Runs -Target 1.0 `
                -Anchor { Remove-Item "$keygenFile*" -ErrorAction Ignore; Measure-Process 'ssh-keygen' $keygenArgs } `
                -Subject { $sw = [Diagnostics.Stopwatch]::StartNew(); $null = New-PfaSshKey -KeyType $type -Force -WarningAction SilentlyContinue -InformationAction Ignore; $sw.Stop(); $sw.Elapsed.TotalMilliseconds }
        }

        if (-not (Test-Path /usr/sbin/sshd) -or -not (Get-Command git -ErrorAction Ignore)) { Write-Warning 'sshd or git not found: access check benchmark skipped.'; return $results }
        # A loopback sshd serving one bare repository, with the stored (RSA) key authorized.
        $null = New-PfaSshKey -KeyType Rsa -Bits 3072 -Force -WarningAction SilentlyContinue -InformationAction Ignore
        $bare = Join-Path $work 'repo.git'
        $tree = Join-Path $work 'tree'
        & git init -q --bare --initial-branch=main $bare
        & git init -q --initial-branch=main $tree
        Set-Content (Join-Path $tree 'readme.txt') 'bench'
        & git -C $tree add readme.txt
        & git -C $tree -c user.name=Bench -c user.email=bench@example.invalid commit -q -m bench
        & git -C $tree push -q $bare main 2>&1 | Out-Null
        $hostKey = Join-Path $work 'host_ed25519'
        & ssh-keygen -q -t ed25519 -N '' -C host -f $hostKey
        $fingerprint = ((& ssh-keygen -l -E sha256 -f "$hostKey.pub") -split ' ')[1]
        $authorized = Join-Path $work 'authorized_keys'
        Set-Content $authorized "$(Get-PfaSshPublicKey)"
        # The tests' sshd launcher (tests/TestServers): a free loopback port, stopped by PID.
        Import-Module (Join-Path $PSScriptRoot '../tests/TestHelpers/LocalAzureDevOps.psm1') -Force
        $sshd = Start-LocalSshd -Directory $work -Name bench -ConfigLines @("HostKey $hostKey", "AuthorizedKeysFile $authorized",
            'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no', 'PermitRootLogin prohibit-password',
            'PubkeyAcceptedAlgorithms rsa-sha2-512,rsa-sha2-256', 'LogLevel ERROR')
        $port = $sshd.Port
        $url = "ssh://$([Environment]::UserName)@127.0.0.1:$port$bare"
        $keyFile = Join-Path $work 'id'
        Export-PfaSshKey -Path $keyFile | Out-Null
        $knownHosts = Join-Path $work 'known_hosts'
        Set-Content $knownHosts "[127.0.0.1]:$port $(((Get-Content "$hostKey.pub") -split ' ')[0..1] -join ' ')"
        $env:GIT_SSH_COMMAND = "ssh -F /dev/null -i '$keyFile' -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile='$knownHosts'"
        if (-not (Test-PfaAzureDevOpsSshAccess $url -HostKeyFingerprint $fingerprint).Success) { throw 'The access check failed against the benchmark sshd.' }
        $results += Compare-SideBySide -Name 'Access check (warm session vs git ls-remote over OpenSSH)' -Runs ([Math]::Max($Runs, 15)) -Target 1.0 `
            -Anchor { Measure-Process 'git' @('ls-remote', $url) } `
            -Subject { $sw = [Diagnostics.Stopwatch]::StartNew(); $r = Test-PfaAzureDevOpsSshAccess $url -HostKeyFingerprint $fingerprint; $sw.Stop(); if (-not $r.Success) { throw $r.Message }; $sw.Elapsed.TotalMilliseconds }
    }
    finally {
        Remove-Item Env:\GIT_SSH_COMMAND -ErrorAction Ignore
        if ($sshd) { $sshd.Dispose() }
        Remove-Item $work -Recurse -Force -ErrorAction Ignore
    }
    return $results
}
