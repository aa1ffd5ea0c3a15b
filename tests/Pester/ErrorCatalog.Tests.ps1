#requires -Modules Pester
# Issue 12, "Error ids": UnexpectedError must not be reachable from a known condition. One table of (cmdlet, bad input or
# hostile state, expected error id) through the packaged module against the local Azure DevOps, all in this one process:
# malformed GUIDs, URLs, keys, secrets and paths, corrupt store files, refused confirmations, and servers that answer
# wrongly or not at all (the emulator's fault rules). Each case checks the stable id, that it is documented in
# about_PfaAzureDevOps, and that nothing stored changed.
BeforeDiscovery {
    $script:CanRun = $IsLinux
    # Name: what is wrong. Run: the call (a script; $Ado, $Org, $OrgUrl, $Pat, $StateHome are set). Id: the id expected.
    # Faults: emulator fault rules for the call. Edit: a store file replaced for the call (restored after it).
    # Binding: the id is PowerShell's own (a parameter transformation refused the value before the cmdlet ran).
    $script:Cases = @(
        # GUIDs and other values
        @{ Name = 'Register -ClientId that is not a GUID'; Id = 'ParameterArgumentTransformationError'; Binding = $true
            Run = 'Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl https://pfa.example.test -ClientId not-a-guid -ClientSecret $Secret -Scope CurrentUser -Force' }
        @{ Name = 'Register -ClientId of the empty GUID'; Id = 'InvalidClientId'
            Run = 'Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl https://pfa.example.test -ClientId ([guid]::Empty) -ClientSecret $Secret -Scope CurrentUser -Force' }
        @{ Name = 'Register -TenantId that is no tenant'; Id = 'InvalidTenantId'
            Run = 'Register-PfaAzureDevOpsApp -Provider EntraId -InstanceUrl https://pfa.example.test -ClientId ([guid]::NewGuid()) -TenantId "not a tenant!" -Scope CurrentUser -Force' }
        @{ Name = 'Register -OAuthScope with a semicolon'; Id = 'InvalidOAuthScope'
            Run = 'Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl https://pfa.example.test -ClientId ([guid]::NewGuid()) -ClientSecret $Secret -OAuthScope "vso.code;rm" -Scope CurrentUser -Force' }
        @{ Name = 'Register without -Force over an existing registration'; Id = 'RegistrationExists'
            Run = 'Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl https://pfa.example.test -ClientId ([guid]::NewGuid()) -ClientSecret $Secret -AuthorizationServer $Ado.HttpUrl -Scope CurrentUser' }
        @{ Name = 'Set-PfaAzureDevOpsApp with nothing to change'; Id = 'NothingToChange'; Run = 'Set-PfaAzureDevOpsApp -Scope CurrentUser' }
        @{ Name = 'New-PfaSshKey -Bits 1000 (below the parameter''s range)'; Id = 'ParameterArgumentValidationError'; Binding = $true; Run = 'New-PfaSshKey -Bits 1000 -Force' }
        @{ Name = 'New-PfaSshKey -KeyType Ed25519 -Bits 4096'; Id = 'SshKeyInvalidSize'; Run = 'New-PfaSshKey -KeyType Ed25519 -Bits 4096 -Force' }
        @{ Name = 'New-PfaSshKey over the existing key without -Force'; Id = 'SshKeyExists'; Run = 'New-PfaSshKey' }
        @{ Name = 'Test-PfaAzureDevOpsSshAccess -Timeout of 99 hours'; Id = 'TimeoutInvalid'; Run = 'Test-PfaAzureDevOpsSshAccess git@127.0.0.1:v3/samplecorp/p/r -Timeout 99:00:00' }
        # URLs
        @{ Name = 'Register -InstanceUrl ftp://'; Id = 'InvalidInstanceUrl'
            Run = 'Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl ftp://pfa.example.test -ClientId ([guid]::NewGuid()) -ClientSecret $Secret -Scope CurrentUser -Force' }
        @{ Name = 'Register -InstanceUrl with a password in it'; Id = 'InvalidInstanceUrl'
            Run = 'Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl https://user:hunter2@pfa.example.test -ClientId ([guid]::NewGuid()) -ClientSecret $Secret -Scope CurrentUser -Force' }
        @{ Name = 'Open-PfaAzureDevOpsAppRegistrationPage -InstanceUrl javascript:'; Id = 'InvalidInstanceUrl'; Run = 'Open-PfaAzureDevOpsAppRegistrationPage -InstanceUrl "javascript:alert(1)"' }
        @{ Name = 'Set -AuthorizationServer over plain http to a name'; Id = 'InvalidServerUrl'; Run = 'Set-PfaAzureDevOpsApp -Scope CurrentUser -AuthorizationServer http://example.com' }
        @{ Name = 'Get-AzDevOpsSshKey -OrganizationUrl with user info'; Id = 'InvalidServerUrl'; Run = 'Get-AzDevOpsSshKey -OrganizationUrl https://user:pw@dev.azure.com/samplecorp' }
        @{ Name = 'Get-AzDevOpsSshKey -Organization that is a path'; Id = 'InvalidOrganization'; Run = 'Get-AzDevOpsSshKey -Organization "bad/name"' }
        @{ Name = 'Test-PfaAzureDevOpsSshAccess with an https URL'; Id = 'GitUrlInvalid'; Run = 'Test-PfaAzureDevOpsSshAccess https://dev.azure.com/samplecorp/_git/r' }
        @{ Name = 'Copy-PfaAzureDevOpsRepository with an option as host'; Id = 'GitUrlInvalid'; Run = 'Copy-PfaAzureDevOpsRepository "git@-oProxyCommand=evil:v3/x/y" (Join-Path $StateHome clone)' }
        @{ Name = 'Test-PfaAzureDevOpsSshAccess -HostKeyFingerprint in MD5'; Id = 'HostKeyFingerprintInvalid'; Run = 'Test-PfaAzureDevOpsSshAccess git@127.0.0.1:v3/samplecorp/p/r -HostKeyFingerprint MD5:aa:bb' }
        # Keys and paths
        @{ Name = 'Add-AzDevOpsSshKey -PublicKey that is not base64'; Id = 'SshPublicKeyMalformed'; Run = 'Add-AzDevOpsSshKey -PublicKey "ssh-rsa !!!notbase64 me" -Organization $Org -OrganizationUrl $OrgUrl' }
        @{ Name = 'Add-AzDevOpsSshKey -PublicKey given a private key'; Id = 'SshPublicKeyIsPrivate'
            Run = 'Add-AzDevOpsSshKey -PublicKey "-----BEGIN OPENSSH PRIVATE KEY-----`nb3BlbnNzaC1rZXktdjEAAAAA`n-----END OPENSSH PRIVATE KEY-----" -Organization $Org -OrganizationUrl $OrgUrl' }
        @{ Name = 'Add-AzDevOpsSshKey -Path that does not exist'; Id = 'SshPublicKeyFileNotFound'; Run = 'Add-AzDevOpsSshKey -Path (Join-Path $StateHome nothing.pub) -Organization $Org -OrganizationUrl $OrgUrl' }
        @{ Name = 'Add-AzDevOpsSshKey -Path of a folder'; Id = 'PathIsFolder'; Run = 'Add-AzDevOpsSshKey -Path $StateHome -Organization $Org -OrganizationUrl $OrgUrl' }
        @{ Name = 'Import-PfaSshKey -PrivateKey that is no key'; Id = 'SshPrivateKeyUnrecognized'; Run = 'Import-PfaSshKey -PrivateKey "not a key at all" -Force' }
        @{ Name = 'Import-PfaSshKey -Path that does not exist'; Id = 'SshPrivateKeyFileNotFound'; Run = 'Import-PfaSshKey -Path (Join-Path $StateHome nothing) -Force' }
        @{ Name = 'Export-PfaSshKey -Path of blanks'; Id = 'InvalidPath'; Run = 'Export-PfaSshKey -Path "   "' }
        @{ Name = 'Export-PfaSshKey into a folder that does not exist'; Id = 'SshKeyExportFailed'; Run = 'Export-PfaSshKey -Path (Join-Path $StateHome no/such/folder/key)' }
        # Secrets
        @{ Name = 'Register -ClientSecret with spaces around it'; Id = 'ClientSecretWhitespace'
            Run = 'Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl https://pfa.example.test -ClientId ([guid]::NewGuid()) -ClientSecret (ConvertTo-SecureString " s3cret " -AsPlainText -Force) -Scope CurrentUser -Force' }
        @{ Name = 'Get-AzDevOpsSshKey -PersonalAccessToken with a colon'; Id = 'PersonalAccessTokenInvalid'
            Run = 'Get-AzDevOpsSshKey -Organization $Org -OrganizationUrl $OrgUrl -PersonalAccessToken (ConvertTo-SecureString "user:token" -AsPlainText -Force)' }
        @{ Name = 'Get-AzDevOpsSshKey -PersonalAccessToken empty'; Id = 'PersonalAccessTokenEmpty'; Run = 'Get-AzDevOpsSshKey -Organization $Org -OrganizationUrl $OrgUrl -PersonalAccessToken ([securestring]::new())' }
        @{ Name = 'Connect-PfaAzureDevOps -AccessToken empty'; Id = 'AccessTokenEmpty'; Run = 'Connect-PfaAzureDevOps -AccessToken ([securestring]::new()) -Organization $Org' }
        # Confirmation where nobody can answer
        @{ Name = 'Remove-PfaSshKey without -Force in CI'; Id = 'ConfirmationRequired'; Run = 'Remove-PfaSshKey' }
        # Corrupt store files
        @{ Name = 'registration.json that is not JSON'; Id = 'StoreFileCorrupt'; Edit = 'CurrentUser/registration.json'; Content = '{not json'; Run = 'Get-PfaAzureDevOpsApp -Scope CurrentUser' }
        @{ Name = 'registration.json of a future schema'; Id = 'StoreVersionUnsupported'; Edit = 'CurrentUser/registration.json'; Content = '{"schemaVersion":99,"kind":"pfa.azuredevops.registration"}'; Run = 'Get-PfaAzureDevOpsApp -Scope CurrentUser' }
        @{ Name = 'connection.json that is a list'; Id = 'StoreFileCorrupt'; Edit = 'CurrentUser/connection.json'; Content = '[]'; Run = 'Get-PfaAzureDevOpsConnection' }
        @{ Name = 'ssh/key.json with a key type of the wrong JSON type'; Id = 'StoreFileCorrupt'; Edit = 'CurrentUser/ssh/key.json'; Content = '{"schemaVersion":1,"kind":"pfa.azuredevops.sshkey","type":[1]}'; Run = 'Get-PfaSshPublicKey' }
        @{ Name = 'a relative PFA_AZUREDEVOPS_HOME'; Id = 'StateHomeNotAbsolute'; Run = '$saved = $env:PFA_AZUREDEVOPS_HOME; try { $env:PFA_AZUREDEVOPS_HOME = "relative/state"; Get-PfaAzureDevOpsApp } finally { $env:PFA_AZUREDEVOPS_HOME = $saved }' }
        # Servers that answer wrongly or not at all
        @{ Name = 'the key list answered 404'; Id = 'AzureDevOpsNotFound'; Faults = @(@{ pathPrefix = '/samplecorp'; status = 404; count = -1 }); Run = 'Get-AzDevOpsSshKey -Organization $Org -OrganizationUrl $OrgUrl -PersonalAccessToken $Pat' }
        @{ Name = 'the key list is a string, not a list'; Id = 'AzDevOpsSshKeyInvalidResponse'; Faults = @(@{ pathPrefix = '/samplecorp/_apis/Token/SessionTokens'; body = '{"count":1,"value":"nope"}'; count = -1 }); Run = 'Get-AzDevOpsSshKey -Organization $Org -OrganizationUrl $OrgUrl -PersonalAccessToken $Pat' }
        @{ Name = 'the key list answered an HTML sign-in page to a personal access token'; Id = 'AzDevOpsSshKeyTokenRefused'; Faults = @(@{ pathPrefix = '/samplecorp'; body = '<html><body>Sign in</body></html>'; contentType = 'text/html'; count = -1 }); Run = 'Get-AzDevOpsSshKey -Organization $Org -OrganizationUrl $OrgUrl -PersonalAccessToken $Pat' }
        @{ Name = 'the key list answered 5 MB'; Id = 'ResponseTooLarge'; Faults = @(@{ pathPrefix = '/samplecorp/_apis/Token/SessionTokens'; bodyBytes = 5MB; count = -1 }); Run = 'Get-AzDevOpsSshKey -Organization $Org -OrganizationUrl $OrgUrl -PersonalAccessToken $Pat' }
        @{ Name = 'a server nobody listens on'; Id = 'AzureDevOpsConnectionFailed'; Run = 'Get-AzDevOpsSshKey -Organization samplecorp -OrganizationUrl http://127.0.0.1:9/samplecorp -PersonalAccessToken $Pat' }
        @{ Name = 'the token service refuses the refresh token'; Id = 'OAuthRefreshTokenInvalid'; Faults = @(@{ pathPrefix = '/oauth2/token'; status = 400; body = '{"error":"invalid_grant","error_description":"refresh token is invalid"}'; count = -1 }); Run = 'Get-PfaAzureDevOpsAccessToken -ForceRefresh' }
        @{ Name = 'removing a key Azure DevOps does not have'; Id = 'AzDevOpsSshKeyNotFound'; Run = 'Remove-AzDevOpsSshKey -Id ([guid]::NewGuid()) -Organization $Org -OrganizationUrl $OrgUrl -PersonalAccessToken $Pat -Force' }
    )
}

Describe 'No known condition reaches UnexpectedError: bad input, hostile state, misbehaving servers' -Skip:(-not $CanRun) {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../TestHelpers/TestHelpers.psm1') -Force
        $script:Session = Enter-TestSession -LocalAzureDevOps -StateHome
        $script:Ado = $Session.Ado
        $script:StateHome = $Session.StateHome

        $null = Control POST '/_test/orgs' @{ name = 'samplecorp' }
        $app = Register-TestApp
        $script:Secret = ConvertTo-SecureString $app.clientSecret -AsPlainText -Force
        $script:Org = 'samplecorp'
        $script:OrgUrl = "$($Ado.HttpUrl)/samplecorp"
        Connect-TestUser -Organization $Org
        # The stored RSA key the cases must not change: made by ssh-keygen at 2048 bits and imported (a generation by
        # New-PfaSshKey, RSA 3072 at least, costs three times the CPU; generating is SshKeys.Tests' subject).
        $rsa = Join-Path $StateHome 'user_rsa'
        & ssh-keygen -q -t rsa -b 2048 -N '' -C 'pfa-error-catalog' -f $rsa
        Import-PfaSshKey -Path $rsa -WarningAction SilentlyContinue -InformationAction SilentlyContinue | Out-Null
        Remove-Item "$rsa*"
        $script:Pat = ConvertTo-SecureString (Control POST '/_test/tokens' @{}).accessToken -AsPlainText -Force

        # What must not change, whatever a case does: the stored documents, byte for byte.
        $script:Stored = 'CurrentUser/registration.json', 'CurrentUser/connection.json', 'CurrentUser/ssh/key.json'
        function script:Get-StoredState { foreach ($f in $Stored) { [IO.File]::ReadAllText((Join-Path $StateHome $f)) } }
        $script:Before = @(Get-StoredState)
        $script:Documented = (Get-Help about_PfaAzureDevOps | Out-String) -replace '\s+', ' '
        $script:Seen = [Collections.Generic.List[string]]::new()
    }

    AfterAll { Exit-TestSession }

    It '<Name>: <Id>' -ForEach $Cases {
        $path = if ($Edit) { Join-Path $StateHome $Edit }
        if ($Edit) { Copy-Item -LiteralPath $path "$path.case"; Set-Content -LiteralPath $path -Value $Content -NoNewline }
        if ($Faults) { $null = Control POST '/_test/faults' @{ rules = $Faults } }
        $record = $null
        try {
            try { & ([scriptblock]::Create($Run)) -ErrorAction Stop *>&1 | Out-Null }
            catch { $record = $_ }
        }
        finally {
            if ($Faults) { $null = Control DELETE '/_test/faults' }
            if ($Edit) { Move-Item -LiteralPath "$path.case" $path -Force }
        }

        $record | Should -Not -BeNullOrEmpty -Because "$Name must fail"
        # (PowerShell variables ignore case: $Id is the case's expected id, so the id seen is $seenId.)
        $seenId = $record.FullyQualifiedErrorId.Split(',')[0]
        $script:Seen.Add($seenId)
        $seenId | Should -Not -Be 'UnexpectedError' -Because "$Name is a known condition: $($record.Exception.GetType().FullName): $($record.Exception.Message)"
        $seenId | Should -Not -Be 'InvalidArgument' -Because "$Name must be refused by a rule of the module, not by .NET: $($record.Exception.Message)"
        $seenId | Should -BeExactly $Id -Because $record.Exception.Message
        $record.Exception.Message.Length | Should -BeGreaterThan 20 -Because 'the message says what happened and what to do'
        if (-not $Binding) {
            $Documented | Should -Match ('- ' + [regex]::Escape($seenId) + ' \(') -Because "about_PfaAzureDevOps lists every id ($seenId)"
        }
        @(Get-StoredState) | Should -Be $Before -Because "$Name must change nothing stored"
    }

    It 'after every case the connection, the registration and the key still work' {
        (Get-PfaAzureDevOpsAccessToken -ForceRefresh) | Should -BeOfType [securestring]
        (Get-PfaAzureDevOpsApp -Scope CurrentUser).ClientId | Should -Not -BeNullOrEmpty
        (Get-PfaSshPublicKey).KeyType | Should -Be 'Rsa'
        $Seen | Should -Not -Contain 'UnexpectedError'
        $Seen.Count | Should -Be $Cases.Count
    }
}

# Issue 12, "Kind to category in one place": the engine's catalog names the PowerShell ErrorCategory of every error kind
# (ErrorCatalog.CategoryName, also shown in about_PfaAzureDevOps); the cmdlets' ErrorMapper only turns that name into
# the enum. Fails when the catalog names a category PowerShell does not have, or the mapper answers something else.
Describe 'Error kinds and PowerShell categories: one table' {
    BeforeAll {
        Import-Module PfaAzureDevOps -Force
        $script:Mapper = (Get-Command Connect-PfaAzureDevOps).ImplementingType.Assembly.GetType('PfaAzureDevOps.Internal.ErrorMapper', $true)
        $script:MapCategory = $Mapper.GetMethod('Category', [Reflection.BindingFlags]'Static, NonPublic')
        $script:KindType = $MapCategory.GetParameters()[0].ParameterType
        $script:CategoryName = $KindType.Assembly.GetType('PfaAzureDevOps.Core.Errors.ErrorCatalog', $true).GetMethod('CategoryName')
    }

    It 'every kind is reported as the category the catalog names' {
        $kinds = [Enum]::GetValues($KindType)
        $kinds.Count | Should -BeGreaterThan 10
        foreach ($kind in $kinds) {
            $name = $CategoryName.Invoke($null, @($kind))
            [Enum]::GetNames([System.Management.Automation.ErrorCategory]) | Should -Contain $name -Because "the catalog names $name for $kind"
            "$($MapCategory.Invoke($null, @($kind)))" | Should -BeExactly $name -Because "ErrorMapper reports $kind as the catalog's category"
        }
    }
}
