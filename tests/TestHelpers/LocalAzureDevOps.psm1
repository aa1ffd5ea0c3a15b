# LocalAzureDevOps.psm1 - starts and stops the local Azure DevOps emulator (tests/AzureDevOpsEmulator)
# and, on request, a real OpenSSH server that serves git the way the service does.
# Test-only. Everything listens on 127.0.0.1. Processes are stopped by PID only.
# The launching itself is tests/TestServers (C#), the one launcher the xunit fixtures use too; this module is its
# PowerShell face. See tests/AzureDevOpsEmulator/README.md for the URL mapping and the control API.

Set-StrictMode -Version Latest

$script:RepoRoot = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../..'))

function Import-TestServers {
    # The launcher assembly as the solution build left it (./build.ps1 Build); built here only when missing.
    if ('PfaAzureDevOps.TestServers.LocalAzureDevOps' -as [type]) { return }
    $project = Join-Path $script:RepoRoot 'tests/TestServers'
    $find = { @('Release', 'Debug' | ForEach-Object { Join-Path $project "bin/$_/net8.0/PfaAzureDevOps.TestServers.dll" } | Where-Object { Test-Path -LiteralPath $_ } |
            Sort-Object { (Get-Item -LiteralPath $_).LastWriteTimeUtc } -Descending) }
    $dll = @(& $find)
    if (-not $dll) {
        $output = & dotnet build (Join-Path $project 'PfaAzureDevOps.TestServers.csproj') -c Release --nologo -v quiet 2>&1
        if ($LASTEXITCODE -ne 0) { throw "LocalAzureDevOps: building tests/TestServers failed:`n$($output -join "`n")" }
        $dll = @(& $find)
    }
    Add-Type -LiteralPath $dll[0]
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
    Import-TestServers
    $options = [PfaAzureDevOps.TestServers.LocalAzureDevOpsOptions]::new()
    $options.RepositoryRoot = $script:RepoRoot
    if ($DataDirectory) { $options.DataDirectory = $DataDirectory }
    $options.AllowHttpCallbacks = [bool]$AllowHttpCallbacks
    $options.WithSsh = [bool]$WithSsh
    $options.Timeout = [TimeSpan]::FromSeconds($TimeoutSeconds)
    ConvertTo-LocalAzureDevOpsInstance ([PfaAzureDevOps.TestServers.LocalAzureDevOps]::Start($options))
}

function Get-WorkerAzureDevOps {
    <#
    .SYNOPSIS
    The local Azure DevOps this process shares between test sessions (Enter-TestSession), lent to the caller in the state
    of a fresh start: started on first use, reset afterwards (every request in flight aborted, all state replaced, the
    repositories on disk deleted), with -WithSsh and -AllowHttpCallbacks as asked. Returns the same object as
    Start-LocalAzureDevOps, or nothing while another session holds it (start one of your own then). Give it back with
    Stop-LocalAzureDevOps (which only ends the lease); Stop-WorkerAzureDevOps stops it.
    #>
    [CmdletBinding()]
    param([switch]$WithSsh, [switch]$AllowHttpCallbacks, [int]$TimeoutSeconds = 60)
    Import-TestServers
    $options = [PfaAzureDevOps.TestServers.LocalAzureDevOpsOptions]::new()
    $options.RepositoryRoot = $script:RepoRoot
    $options.AllowHttpCallbacks = [bool]$AllowHttpCallbacks
    $options.WithSsh = [bool]$WithSsh
    $options.Timeout = [TimeSpan]::FromSeconds($TimeoutSeconds)
    $server = [PfaAzureDevOps.TestServers.WorkerAzureDevOps]::Lease($options)
    if ($server) { ConvertTo-LocalAzureDevOpsInstance $server -Shared }
}

function Stop-WorkerAzureDevOps {
    <# .SYNOPSIS Stops the local Azure DevOps Get-WorkerAzureDevOps shares (a Pester worker calls it when its queue is empty). #>
    [CmdletBinding()]
    param()
    if ('PfaAzureDevOps.TestServers.WorkerAzureDevOps' -as [type]) { [PfaAzureDevOps.TestServers.WorkerAzureDevOps]::Stop() }
}

function ConvertTo-LocalAzureDevOpsInstance($server, [switch]$Shared) {
    [pscustomobject]@{
        HttpUrl               = $server.HttpUrl
        HttpsUrl              = $server.HttpsUrl
        CertificatePath       = $server.CertificatePath
        CertificateSha256     = $server.CertificateSha256
        Pid                   = $server.Pid
        SshPort               = $server.SshPort
        SshHostKeyFingerprint = $server.SshHostKeyFingerprint
        SshHostPublicKey      = $server.SshHostPublicKey
        SshUser               = $server.SshUser
        SshdPid               = $server.SshdPid
        DataDirectory         = $server.DataDirectory
        SshKnownHostsLine     = $server.SshKnownHostsLine
        CertificateSpkiSha256 = $server.CertificateSpkiSha256
        RunDirectory          = $server.RunDirectory
        SshScriptDirectory    = $server.SshScriptDirectory
        OwnsDataDirectory     = $server.OwnsDataDirectory
        Server                = $server
        Shared                = [bool]$Shared
    }
}

function Stop-LocalAzureDevOps {
    <#
    .SYNOPSIS
    Stops the sshd and the emulator of an instance by PID (SIGTERM, then SIGKILL after 10 s), waits for them, removes the
    temporary folders. For the shared instance of Get-WorkerAzureDevOps it only ends the lease: the next one resets it.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] $Instance)
    process {
        if ($Instance.PSObject.Properties['Shared'] -and $Instance.Shared) { [PfaAzureDevOps.TestServers.WorkerAzureDevOps]::Release($Instance.Server) }
        elseif ($Instance.Server) { $Instance.Server.Dispose() }
    }
}

function Start-LocalSshd {
    <#
    .SYNOPSIS
    Starts OpenSSH's sshd on 127.0.0.1 and a free port with the given configuration lines (all but Port, ListenAddress
    and PidFile); returns the launcher's Sshd object (Port, Pid, Log). Its Dispose() stops it by PID.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string]$Directory, [string]$Name = 'sshd', [Parameter(Mandatory)] [string[]]$ConfigLines, [int]$TimeoutSeconds = 10)
    Import-TestServers
    [PfaAzureDevOps.TestServers.Sshd]::Start($Directory, $Name, $ConfigLines, [TimeSpan]::FromSeconds($TimeoutSeconds))
}

Export-ModuleMember -Function Start-LocalAzureDevOps, Stop-LocalAzureDevOps, Get-WorkerAzureDevOps, Stop-WorkerAzureDevOps, Invoke-LocalAzureDevOpsControl, Start-LocalSshd
