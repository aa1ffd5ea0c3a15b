Set-StrictMode -Version 3.0
function Build-PfaHelp {
    param([string] $ModuleManifest, [string] $DocsPath, [string] $OutputPath)
    Write-Warning 'Help compiler not written yet.'
}
Export-ModuleMember -Function Build-PfaHelp
