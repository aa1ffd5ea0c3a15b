# LocalAzureDevOps.psm1 - starts and stops the local Azure DevOps emulator (tests/AzureDevOpsEmulator)
# and, on request, a real OpenSSH server that serves git the way the service does.
# Test-only. Everything listens on 127.0.0.1. Processes are stopped by PID only.
# See tests/AzureDevOpsEmulator/README.md for the URL mapping and the control API.

Set-StrictMode -Version Latest

$script:RepoRoot = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../..'))
$script:ProjectDirectory = Join-Path $script:RepoRoot 'tests/AzureDevOpsEmulator'
$script:BuildDirectory = Join-Path $script:RepoRoot '.tmp/azure-devops-emulator/bin'
$script:Processes = @{}

function Get-DotnetPath {
    $candidates = @()
    if ($env:DOTNET_HOST_PATH) { $candidates += $env:DOTNET_HOST_PATH }
    $cmd = Get-Command dotnet -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($cmd) { $candidates += $cmd.Source }
    $candidates += '/usr/share/dotnet/dotnet', '/usr/bin/dotnet'
    foreach ($c in $candidates) { if ($c -and (Test-Path -LiteralPath $c -PathType Leaf)) { return $c } }
    throw 'LocalAzureDevOps: the dotnet executable was not found.'
}

function Get-EmulatorSourceStamp {
    $files = Get-ChildItem -LiteralPath $script:ProjectDirectory -Recurse -File |
        Where-Object { $_.FullName -notmatch '[\\/](bin|obj)[\\/]' -and $_.Extension -in '.cs', '.csproj', '.sh', '.props', '.json' } |
        Sort-Object FullName
    $props = Join-Path $script:RepoRoot 'Directory.Build.props'
    $sha = [System.Security.Cryptography.SHA256]::Create()
    try {
        $sb = [System.Text.StringBuilder]::new()
        foreach ($f in @($files) + @(Get-Item -LiteralPath $props -ErrorAction SilentlyContinue)) {
            if (-not $f) { continue }
            $hash = [System.Convert]::ToHexString($sha.ComputeHash([System.IO.File]::ReadAllBytes($f.FullName)))
            [void]$sb.Append($f.FullName).Append('=').Append($hash).Append("`n")
        }
        return [System.Convert]::ToHexString($sha.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($sb.ToString())))
    }
    finally { $sha.Dispose() }
}

function Build-LocalAzureDevOpsEmulator {
    # Builds into a cached output folder (<repo>/.tmp/azure-devops-emulator/bin) when the sources changed.
    # A named mutex keeps parallel test processes from building at the same time.
    $mutex = [System.Threading.Mutex]::new($false, 'PfaAzureDevOpsEmulatorBuild')
    $owned = $false
    try {
        try { $owned = $mutex.WaitOne([TimeSpan]::FromMinutes(5)) } catch [System.Threading.AbandonedMutexException] { $owned = $true }
        if (-not $owned) { throw 'LocalAzureDevOps: timed out waiting for another build of the emulator.' }
        $dll = Join-Path $script:BuildDirectory 'AzureDevOpsEmulator.dll'
        $stampFile = Join-Path $script:BuildDirectory '.source-stamp'
        $stamp = Get-EmulatorSourceStamp
        if ((Test-Path -LiteralPath $dll) -and (Test-Path -LiteralPath $stampFile) -and
            ((Get-Content -LiteralPath $stampFile -Raw).Trim() -eq $stamp)) {
            return $dll
        }
        $env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
        $env:DOTNET_NOLOGO = '1'
        $output = & (Get-DotnetPath) build (Join-Path $script:ProjectDirectory 'AzureDevOpsEmulator.csproj') `
            -c Release -o $script:BuildDirectory --nologo -v quiet 2>&1
        if ($LASTEXITCODE -ne 0) {
            throw "LocalAzureDevOps: building the emulator failed (exit $LASTEXITCODE):`n$($output -join "`n")"
        }
        Set-Content -LiteralPath $stampFile -Value $stamp -NoNewline
        return $dll
    }
    finally {
        if ($owned) { $mutex.ReleaseMutex() }
        $mutex.Dispose()
    }
}

function New-RandomName { [System.Convert]::ToHexString([System.Security.Cryptography.RandomNumberGenerator]::GetBytes(6)).ToLowerInvariant() }

function Start-RedirectedProcess {
    # Starts FilePath with Arguments (no shell quoting issues) with stdout/stderr going to files,
    # through "sh -c exec", so the PID is the program's own PID and no pipe can fill up.
    param([string]$FilePath, [string[]]$Arguments, [string]$StdOut, [string]$StdErr)
    $psi = [System.Diagnostics.ProcessStartInfo]::new('/bin/sh')
    $psi.UseShellExecute = $false
    $psi.ArgumentList.Add('-c')
    $psi.ArgumentList.Add('exec "$0" "$@" <&- >"$PFA_ADO_STDOUT" 2>"$PFA_ADO_STDERR"')
    $psi.ArgumentList.Add($FilePath)
    foreach ($a in $Arguments) { $psi.ArgumentList.Add($a) }
    $psi.Environment['PFA_ADO_STDOUT'] = $StdOut
    $psi.Environment['PFA_ADO_STDERR'] = $StdErr
    $p = [System.Diagnostics.Process]::Start($psi)
    $script:Processes[$p.Id] = $p
    return $p
}

function Get-FreeLoopbackPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { return ([System.Net.IPEndPoint]$listener.LocalEndpoint).Port } finally { $listener.Stop() }
}

function Test-LoopbackPort {
    param([int]$Port)
    $client = [System.Net.Sockets.TcpClient]::new()
    try {
        $task = $client.ConnectAsync([System.Net.IPAddress]::Loopback, $Port)
        return ($task.Wait(500) -and $client.Connected)
    }
    catch { return $false }
    finally { $client.Dispose() }
}

function Stop-ProcessById {
    param([int]$Id, [int]$TimeoutSeconds = 10)
    if ($Id -le 0) { return }
    $p = $script:Processes[$Id]
    if (-not $p) { $p = Get-Process -Id $Id -ErrorAction SilentlyContinue }
    if (-not $p) { return }
    try {
        if (-not $p.HasExited) {
            & /bin/kill -TERM $Id 2>$null
            if (-not $p.WaitForExit($TimeoutSeconds * 1000)) {
                $p.Kill()
                [void]$p.WaitForExit(5000)
            }
        }
    }
    catch [System.InvalidOperationException] { }
    finally {
        $script:Processes.Remove($Id)
    }
}

function Test-RootOwnedChain {
    # sshd insists that the AuthorizedKeysCommand and every folder above it are owned by root
    # and not writable by group or others.
    param([string]$Path)
    $current = [System.IO.Path]::GetFullPath($Path)
    while ($current) {
        $info = (& /usr/bin/stat -c '%u %a' -- $current 2>$null)
        if (-not $info) { return $false }
        $uid, $mode = $info -split ' '
        $modeValue = [Convert]::ToInt32($mode, 8)
        if ($uid -ne '0' -or ($modeValue -band 0x12) -ne 0) { return $false }
        if ($current -eq '/') { break }
        $current = [System.IO.Path]::GetDirectoryName($current)
    }
    return $true
}

function Install-SshScripts {
    param([string]$EmulatorUrl)
    $name = 'pfa-ado-ssh-' + (New-RandomName)
    $candidates = @((Join-Path $script:RepoRoot ".tmp/$name"), "/run/$name", "/var/lib/$name")
    foreach ($dir in $candidates) {
        $parent = [System.IO.Path]::GetDirectoryName($dir)
        try { [void][System.IO.Directory]::CreateDirectory($parent) } catch { continue }
        if (-not (Test-RootOwnedChain $parent)) { continue }
        try { [void][System.IO.Directory]::CreateDirectory($dir) } catch { continue }
        & /bin/chmod 0755 $dir
        foreach ($file in 'authorized-keys-command.sh', 'forced-command.sh') {
            $text = [System.IO.File]::ReadAllText((Join-Path $script:ProjectDirectory "ssh/$file")).Replace('@EMULATOR_URL@', $EmulatorUrl)
            $target = Join-Path $dir $file
            [System.IO.File]::WriteAllText($target, $text)
            & /bin/chmod 0755 $target
        }
        if (Test-RootOwnedChain (Join-Path $dir 'authorized-keys-command.sh')) { return $dir }
        Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue
    }
    throw "LocalAzureDevOps: found no root-owned, non-group/other-writable folder chain for sshd's AuthorizedKeysCommand (tried: $($candidates -join ', '))."
}

function Invoke-LocalAzureDevOpsControl {
    <#
    .SYNOPSIS
    Calls the emulator's test-only control API (paths under /_test) over HTTP and returns the parsed answer.
    .EXAMPLE
    Invoke-LocalAzureDevOpsControl -Instance $ado -Method POST -Path /_test/orgs -Body @{ name = 'org1' }
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Instance,
        [ValidateSet('GET', 'POST', 'DELETE', 'PUT', 'PATCH')] [string]$Method = 'GET',
        [Parameter(Mandatory)] [string]$Path,
        $Body
    )
    $uri = $Instance.HttpUrl.TrimEnd('/') + '/' + $Path.TrimStart('/')
    $params = @{ Uri = $uri; Method = $Method; NoProxy = $true }
    if ($PSBoundParameters.ContainsKey('Body') -and $null -ne $Body) {
        $params.Body = if ($Body -is [string]) { $Body } else { ConvertTo-Json -InputObject $Body -Depth 20 -Compress }
        $params.ContentType = 'application/json'
    }
    Invoke-RestMethod @params
}

function Start-LocalAzureDevOps {
    <#
    .SYNOPSIS
    Builds (when needed) and starts the local Azure DevOps emulator; with -WithSsh also a local sshd
    that authenticates keys registered in the emulator and serves its git repositories.
    .OUTPUTS
    PSCustomObject: HttpUrl, HttpsUrl, CertificatePath, CertificateSha256, Pid, SshPort,
    SshHostKeyFingerprint, SshHostPublicKey, SshUser, SshdPid, DataDirectory (and a few extras).
    #>
    [CmdletBinding()]
    param(
        [switch]$WithSsh,
        [switch]$AllowHttpCallbacks,
        [string]$DataDirectory,
        [int]$TimeoutSeconds = 60
    )
    $dll = Build-LocalAzureDevOpsEmulator
    $runDir = Join-Path ([System.IO.Path]::GetTempPath()) ('pfa-ado-' + (New-RandomName))
    [void][System.IO.Directory]::CreateDirectory($runDir)
    $ownsData = -not $DataDirectory
    if ($ownsData) { $DataDirectory = Join-Path $runDir 'data' }
    $DataDirectory = [System.IO.Path]::GetFullPath($DataDirectory)
    $readyFile = Join-Path $runDir 'ready.json'
    $stderrFile = Join-Path $runDir 'emulator.stderr.log'
    $arguments = @($dll, '--ready-file', $readyFile, '--data-dir', $DataDirectory,
        '--certificate-file', (Join-Path $runDir 'emulator-certificate.pem'))
    if ($AllowHttpCallbacks) { $arguments += '--allow-http-callbacks' }

    $instance = [pscustomobject]@{
        HttpUrl               = $null
        HttpsUrl              = $null
        CertificatePath       = $null
        CertificateSha256     = $null
        Pid                   = 0
        SshPort               = $null
        SshHostKeyFingerprint = $null
        SshHostPublicKey      = $null
        SshUser               = $null
        SshdPid               = $null
        DataDirectory         = $DataDirectory
        SshKnownHostsLine     = $null
        CertificateSpkiSha256 = $null
        RunDirectory          = $runDir
        SshScriptDirectory    = $null
        OwnsDataDirectory     = $ownsData
    }
    try {
        $proc = Start-RedirectedProcess -FilePath (Get-DotnetPath) -Arguments $arguments `
            -StdOut (Join-Path $runDir 'emulator.stdout.log') -StdErr $stderrFile
        $instance.Pid = $proc.Id
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        $ready = $null
        while (-not $ready) {
            if (Test-Path -LiteralPath $readyFile) {
                $ready = Get-Content -LiteralPath $readyFile -Raw | ConvertFrom-Json
                break
            }
            if ($proc.HasExited) {
                $err = Get-Content -LiteralPath $stderrFile -Raw -ErrorAction SilentlyContinue
                throw "LocalAzureDevOps: the emulator exited with code $($proc.ExitCode) before it was ready. Its stderr:`n$err"
            }
            if ([DateTime]::UtcNow -gt $deadline) {
                $err = Get-Content -LiteralPath $stderrFile -Raw -ErrorAction SilentlyContinue
                throw "LocalAzureDevOps: the emulator was not ready within $TimeoutSeconds s. Its stderr:`n$err"
            }
            Start-Sleep -Milliseconds 100
        }
        $instance.HttpUrl = $ready.http
        $instance.HttpsUrl = $ready.https
        $instance.CertificatePath = $ready.certificate
        $instance.CertificateSha256 = $ready.certificateSha256
        $instance.CertificateSpkiSha256 = $ready.spkiSha256

        if ($WithSsh) {
            Start-EmulatorSshd -Instance $instance -TimeoutSeconds ([Math]::Max(15, $TimeoutSeconds / 2))
        }
        return $instance
    }
    catch {
        Stop-LocalAzureDevOps -Instance $instance
        throw
    }
}

function Start-EmulatorSshd {
    param($Instance, [int]$TimeoutSeconds)
    if ((& /usr/bin/id -u) -ne '0') {
        throw 'LocalAzureDevOps: -WithSsh needs root (sshd runs the AuthorizedKeysCommand as root and must own its files).'
    }
    if (-not (Test-Path -LiteralPath '/usr/sbin/sshd')) { throw 'LocalAzureDevOps: /usr/sbin/sshd is not installed (apt-get install openssh-server).' }
    [void][System.IO.Directory]::CreateDirectory('/run/sshd')
    $runDir = $Instance.RunDirectory
    $scriptDir = Install-SshScripts -EmulatorUrl $Instance.HttpUrl
    $Instance.SshScriptDirectory = $scriptDir
    $hostKey = Join-Path $runDir 'ssh_host_rsa_key'
    & /usr/bin/ssh-keygen -q -t rsa -b 2048 -N '' -C 'pfa-ado-emulator-host' -f $hostKey
    if ($LASTEXITCODE -ne 0) { throw 'LocalAzureDevOps: ssh-keygen could not create the host key.' }
    $user = [Environment]::UserName
    $stderrFile = Join-Path $runDir 'sshd.stderr.log'
    $lastError = ''
    for ($attempt = 1; $attempt -le 3; $attempt++) {
        $port = Get-FreeLoopbackPort
        $config = Join-Path $runDir 'sshd_config'
        @(
            "Port $port"
            'ListenAddress 127.0.0.1'
            "HostKey $hostKey"
            "PidFile $(Join-Path $runDir 'sshd.pid')"
            'AuthorizedKeysFile none'
            "AuthorizedKeysCommand $scriptDir/authorized-keys-command.sh %t %k"
            'AuthorizedKeysCommandUser root'
            'PubkeyAuthentication yes'
            'PubkeyAcceptedAlgorithms rsa-sha2-512,rsa-sha2-256'
            'HostKeyAlgorithms rsa-sha2-512,rsa-sha2-256'
            'PasswordAuthentication no'
            'KbdInteractiveAuthentication no'
            'UsePAM no'
            'StrictModes no'
            'PermitRootLogin prohibit-password'
            'MaxStartups 100:30:200'
            "AllowUsers $user"
            'PermitTTY no'
            'X11Forwarding no'
            'AllowTcpForwarding no'
            'AllowAgentForwarding no'
            'PrintMotd no'
            'LogLevel VERBOSE'
        ) | Set-Content -LiteralPath $config
        $sshd = Start-RedirectedProcess -FilePath '/usr/sbin/sshd' -Arguments @('-D', '-e', '-f', $config) `
            -StdOut (Join-Path $runDir 'sshd.stdout.log') -StdErr $stderrFile
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        $up = $false
        while (-not $sshd.HasExited -and [DateTime]::UtcNow -lt $deadline) {
            if (Test-LoopbackPort $port) { $up = $true; break }
            Start-Sleep -Milliseconds 100
        }
        if ($up) {
            $Instance.SshdPid = $sshd.Id
            $Instance.SshPort = $port
            break
        }
        $lastError = Get-Content -LiteralPath $stderrFile -Raw -ErrorAction SilentlyContinue
        Stop-ProcessById -Id $sshd.Id
        if ($lastError -notmatch 'Address already in use') { break }
    }
    if (-not $Instance.SshdPid) { throw "LocalAzureDevOps: sshd did not start. Its stderr:`n$lastError" }

    $fingerprint = (& /usr/bin/ssh-keygen -l -E sha256 -f "$hostKey.pub") -split ' '
    $Instance.SshHostKeyFingerprint = $fingerprint[1]
    $pub = ((Get-Content -LiteralPath "$hostKey.pub" -Raw).Trim() -split ' ')
    $Instance.SshHostPublicKey = "$($pub[0]) $($pub[1])"
    $Instance.SshKnownHostsLine = "[127.0.0.1]:$($Instance.SshPort) $($pub[0]) $($pub[1])"
    $Instance.SshUser = $user
    [void](Invoke-LocalAzureDevOpsControl -Instance $Instance -Method POST -Path '/_test/ssh/config' -Body @{
            port = $Instance.SshPort; host = '127.0.0.1'; user = $user; forcedCommand = "$scriptDir/forced-command.sh"
        })
}

function Stop-LocalAzureDevOps {
    <#
    .SYNOPSIS
    Stops the sshd and the emulator of an instance by PID (SIGTERM, then SIGKILL after 10 s), waits for them, removes the temporary folders.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] $Instance)
    process {
        if ($Instance.SshdPid) { Stop-ProcessById -Id $Instance.SshdPid }
        if ($Instance.Pid) { Stop-ProcessById -Id $Instance.Pid }
        if ($Instance.SshScriptDirectory -and (Test-Path -LiteralPath $Instance.SshScriptDirectory)) {
            Remove-Item -LiteralPath $Instance.SshScriptDirectory -Recurse -Force -ErrorAction SilentlyContinue
        }
        if ($Instance.OwnsDataDirectory -and $Instance.DataDirectory -and (Test-Path -LiteralPath $Instance.DataDirectory)) {
            Remove-Item -LiteralPath $Instance.DataDirectory -Recurse -Force -ErrorAction SilentlyContinue
        }
        if ($Instance.RunDirectory -and (Test-Path -LiteralPath $Instance.RunDirectory)) {
            Remove-Item -LiteralPath $Instance.RunDirectory -Recurse -Force -ErrorAction SilentlyContinue
        }
    }
}

Export-ModuleMember -Function Start-LocalAzureDevOps, Stop-LocalAzureDevOps, Invoke-LocalAzureDevOpsControl
