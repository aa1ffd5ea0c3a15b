Set-StrictMode -Version 3.0

function Get-TestModuleManifest {
    if (-not $env:PFA_TEST_MODULE_MANIFEST) { throw 'PFA_TEST_MODULE_MANIFEST is not set: run the tests through ./build.ps1 Test.' }
    return $env:PFA_TEST_MODULE_MANIFEST
}

function New-TestStateHome {
    <# A fresh, empty state folder; PFA_AZUREDEVOPS_HOME points at it for this process and its children. #>
    $path = Join-Path ([IO.Path]::GetTempPath()) ('pfa-test-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $path | Out-Null
    $env:PFA_AZUREDEVOPS_HOME = $path
    return $path
}

function Remove-TestStateHome([string] $Path) {
    if ($Path -and (Test-Path $Path)) { Remove-Item $Path -Recurse -Force }
}

function Invoke-FreshPwsh {
    <#
    Runs a script block's text in a brand-new pwsh (so nothing of this session is loaded there) and returns
    its exit code and output. $args of the child are the -ArgumentList values.
    #>
    param([Parameter(Mandatory)] [string] $Script, [string[]] $ArgumentList = @(), [hashtable] $Environment = @{}, [int] $TimeoutSeconds = 120)
    $file = Join-Path ([IO.Path]::GetTempPath()) ('pfa-child-' + [guid]::NewGuid().ToString('N') + '.ps1')
    Set-Content -Path $file -Value $Script -Encoding utf8
    $saved = @{}
    try {
        foreach ($key in $Environment.Keys) { $saved[$key] = [Environment]::GetEnvironmentVariable($key); [Environment]::SetEnvironmentVariable($key, $Environment[$key]) }
        $pwsh = Join-Path $PSHOME 'pwsh'
        $output = & $pwsh -NoProfile -NonInteractive -File $file @ArgumentList 2>&1 | ForEach-Object { "$_" }
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = @($output); Text = ($output -join "`n") }
    }
    finally {
        foreach ($key in $saved.Keys) { [Environment]::SetEnvironmentVariable($key, $saved[$key]) }
        Remove-Item $file -Force -ErrorAction Ignore
    }
}

function New-TestSecret {
    <# A random secret and its SecureString form, so tests can search every stream and file for it. #>
    $plain = 'pfa-secret-' + [guid]::NewGuid().ToString('N')
    [pscustomobject]@{ Plain = $plain; Secure = (ConvertTo-SecureString $plain -AsPlainText -Force) }
}

function Get-UnixMode([string] $Path) {
    return [Convert]::ToString([int](Get-Item $Path -Force).UnixFileMode, 8)
}

Export-ModuleMember -Function Get-TestModuleManifest, New-TestStateHome, Remove-TestStateHome, Invoke-FreshPwsh, New-TestSecret, Get-UnixMode
