namespace PfaAzureDevOps.Core.Errors
{
    /// <summary>
    /// Every error id the module reports (the first part of an ErrorRecord's FullyQualifiedErrorId), one constant each,
    /// named as the id itself. Each has its meaning and what to do in <see cref="ErrorCatalog"/>, and its line in
    /// about_PfaAzureDevOps (Errors). Constants, so the cmdlets can use them without loading the engine.
    /// </summary>
    public static class ErrorIds
    {
        // Parameters, URLs and files
        public const string InvalidInstanceUrl = "InvalidInstanceUrl";
        public const string InvalidServerUrl = "InvalidServerUrl";
        public const string InvalidOrganizationUrl = "InvalidOrganizationUrl";
        public const string InvalidOrganization = "InvalidOrganization";
        public const string InsecureUrl = "InsecureUrl";
        public const string InvalidPath = "InvalidPath";
        public const string PathIsFolder = "PathIsFolder";
        public const string PathNotFileSystem = "PathNotFileSystem";
        public const string NotARegularFile = "NotARegularFile";
        public const string FileTooLarge = "FileTooLarge";
        public const string FileReadTimeout = "FileReadTimeout";
        public const string TimeoutInvalid = "TimeoutInvalid";
        public const string ResponseTooLarge = "ResponseTooLarge";

        // State and secrets on this machine
        public const string StateHomeNotAbsolute = "StateHomeNotAbsolute";
        public const string ElevationRequired = "ElevationRequired";
        public const string StoreAccessDenied = "StoreAccessDenied";
        public const string StoreFileCorrupt = "StoreFileCorrupt";
        public const string StoreVersionUnsupported = "StoreVersionUnsupported";
        public const string StoreReadFailed = "StoreReadFailed";
        public const string StoreWriteFailed = "StoreWriteFailed";
        public const string StoreLockTimeout = "StoreLockTimeout";
        public const string StoreReadOnly = "StoreReadOnly";
        public const string StoreDiskFull = "StoreDiskFull";
        public const string SecretNameInvalid = "SecretNameInvalid";
        public const string SecretReadFailed = "SecretReadFailed";
        public const string SecretWriteFailed = "SecretWriteFailed";
        public const string ClientSecretMissing = "ClientSecretMissing";
        public const string ClientSecretNotPermitted = "ClientSecretNotPermitted";
        public const string SharedSecretWriteFailed = "SharedSecretWriteFailed";

        // The instance's application (Register-, Get-, Set-, Unregister-PfaAzureDevOpsApp)
        public const string RegistrationExists = "RegistrationExists";
        public const string RegistrationNotFound = "RegistrationNotFound";
        public const string NothingToChange = "NothingToChange";
        public const string ConflictingParameters = "ConflictingParameters";
        public const string InvalidClientId = "InvalidClientId";
        public const string InvalidTenantId = "InvalidTenantId";
        public const string InvalidOAuthScope = "InvalidOAuthScope";
        public const string InvalidAuthority = "InvalidAuthority";
        public const string InvalidCertificateThumbprint = "InvalidCertificateThumbprint";
        public const string TenantNotApplicable = "TenantNotApplicable";
        public const string CertificateNotApplicable = "CertificateNotApplicable";
        public const string ClientCredentialConflict = "ClientCredentialConflict";
        public const string ClientSecretRequired = "ClientSecretRequired";
        public const string ClientSecretEmpty = "ClientSecretEmpty";
        public const string ClientSecretWhitespace = "ClientSecretWhitespace";
        public const string SecretExpiryWithoutSecret = "SecretExpiryWithoutSecret";
        public const string SecretAlreadyExpired = "SecretAlreadyExpired";
        public const string UserGroupNotSupported = "UserGroupNotSupported";
        public const string UserGroupInvalid = "UserGroupInvalid";
        public const string UserGroupNotFound = "UserGroupNotFound";
        public const string UserGroupNeedsAllUsers = "UserGroupNeedsAllUsers";
        public const string ProviderNotSupported = "ProviderNotSupported";
        public const string ProviderRequired = "ProviderRequired";

        // Connecting with an Azure DevOps OAuth application (Connect-PfaAzureDevOps, tokens)
        public const string NotConnected = "NotConnected";
        public const string ConnectionTokensMissing = "ConnectionTokensMissing";
        public const string ConnectionRegistrationChanged = "ConnectionRegistrationChanged";
        public const string TokenInvalid = "TokenInvalid";
        public const string ProfileInvalid = "ProfileInvalid";
        public const string OrganizationRequired = "OrganizationRequired";
        public const string OrganizationChoiceRequired = "OrganizationChoiceRequired";
        public const string BrowserUnavailable = "BrowserUnavailable";
        public const string CallbackAddressPromptUnavailable = "CallbackAddressPromptUnavailable";
        public const string BrowserCommandFailed = "BrowserCommandFailed";
        public const string CallbackNotLoopback = "CallbackNotLoopback";
        public const string CallbackPortInUse = "CallbackPortInUse";
        public const string CallbackTimeout = "CallbackTimeout";
        public const string CallbackUriInvalid = "CallbackUriInvalid";
        public const string CallbackUriMismatch = "CallbackUriMismatch";
        public const string NoPendingAuthorization = "NoPendingAuthorization";
        public const string PendingAuthorizationExpired = "PendingAuthorizationExpired";
        public const string OAuthStateMismatch = "OAuthStateMismatch";
        public const string OAuthAccessDenied = "OAuthAccessDenied";
        public const string OAuthAuthorizationFailed = "OAuthAuthorizationFailed";
        public const string OAuthCodeMissing = "OAuthCodeMissing";
        public const string OAuthCodeInvalid = "OAuthCodeInvalid";
        public const string OAuthCodeExpired = "OAuthCodeExpired";
        public const string OAuthInvalidClient = "OAuthInvalidClient";
        public const string OAuthClientSecretRotated = "OAuthClientSecretRotated";
        public const string OAuthClientSecretExpired = "OAuthClientSecretExpired";
        public const string OAuthInvalidScope = "OAuthInvalidScope";
        public const string OAuthRedirectUriMismatch = "OAuthRedirectUriMismatch";
        public const string OAuthRefreshTokenInvalid = "OAuthRefreshTokenInvalid";
        public const string OAuthRefreshTokenReused = "OAuthRefreshTokenReused";
        public const string OAuthAuthorizationRevoked = "OAuthAuthorizationRevoked";
        public const string OAuthRefreshFailed = "OAuthRefreshFailed";
        public const string OAuthTokenRequestFailed = "OAuthTokenRequestFailed";
        public const string OAuthServerBusy = "OAuthServerBusy";
        public const string OAuthServerError = "OAuthServerError";
        public const string OAuthInvalidTokenResponse = "OAuthInvalidTokenResponse";

        // Signing in with Microsoft Entra ID
        public const string NotAnEntraRegistration = "NotAnEntraRegistration";
        public const string EntraConfidentialClientInteractive = "EntraConfidentialClientInteractive";
        public const string EntraPublicClientAuthorizationCode = "EntraPublicClientAuthorizationCode";
        public const string EntraTenantRequired = "EntraTenantRequired";
        public const string EntraAccessTokenExpired = "EntraAccessTokenExpired";
        public const string AccessTokenEmpty = "AccessTokenEmpty";
        public const string AccessTokenExpired = "AccessTokenExpired";
        public const string CertificateRequired = "CertificateRequired";
        public const string EntraCertificateNotFound = "EntraCertificateNotFound";
        public const string EntraCertificateUnreadable = "EntraCertificateUnreadable";
        public const string EntraCertificateNoPrivateKey = "EntraCertificateNoPrivateKey";
        public const string TenantDiscoveryFailed = "TenantDiscoveryFailed";
        public const string MsalVersionConflict = "MsalVersionConflict";
        public const string EntraNotSignedIn = "EntraNotSignedIn";
        public const string EntraMfaRequired = "EntraMfaRequired";
        public const string EntraMfaRegistrationRequired = "EntraMfaRegistrationRequired";
        public const string EntraSignInFrequency = "EntraSignInFrequency";
        public const string EntraConsentRequired = "EntraConsentRequired";
        public const string EntraApplicationNotFound = "EntraApplicationNotFound";
        public const string EntraInvalidClientSecret = "EntraInvalidClientSecret";
        public const string EntraClientSecretExpired = "EntraClientSecretExpired";
        public const string EntraInvalidClient = "EntraInvalidClient";
        public const string EntraBlockedByConditionalAccess = "EntraBlockedByConditionalAccess";
        public const string EntraClaimsChallenge = "EntraClaimsChallenge";
        public const string EntraInteractionRequired = "EntraInteractionRequired";
        public const string EntraSignInDeclined = "EntraSignInDeclined";
        public const string EntraDeviceCodeExpired = "EntraDeviceCodeExpired";
        public const string EntraSignInTimedOut = "EntraSignInTimedOut";
        public const string EntraStateMismatch = "EntraStateMismatch";
        public const string EntraThrottled = "EntraThrottled";
        public const string EntraServiceUnavailable = "EntraServiceUnavailable";
        public const string EntraConnectionFailed = "EntraConnectionFailed";
        public const string EntraBrowserUnavailable = "EntraBrowserUnavailable";
        public const string EntraInvalidScope = "EntraInvalidScope";
        public const string EntraTenantNotFound = "EntraTenantNotFound";
        public const string EntraManagedIdentityUnavailable = "EntraManagedIdentityUnavailable";
        public const string EntraSignInFailed = "EntraSignInFailed";
        public const string EntraClientError = "EntraClientError";

        // Calls to Azure DevOps
        public const string AzureDevOpsTimeout = "AzureDevOpsTimeout";
        public const string AzureDevOpsConnectionFailed = "AzureDevOpsConnectionFailed";
        public const string AzureDevOpsInvalidResponse = "AzureDevOpsInvalidResponse";
        public const string AzureDevOpsNotAuthenticated = "AzureDevOpsNotAuthenticated";
        public const string AzureDevOpsNotAuthorized = "AzureDevOpsNotAuthorized";
        public const string AzureDevOpsForbidden = "AzureDevOpsForbidden";
        public const string AzureDevOpsNotFound = "AzureDevOpsNotFound";
        public const string AzureDevOpsRateLimited = "AzureDevOpsRateLimited";
        public const string AzureDevOpsServerError = "AzureDevOpsServerError";
        public const string AzureDevOpsRequestFailed = "AzureDevOpsRequestFailed";
        public const string PersonalAccessTokenEmpty = "PersonalAccessTokenEmpty";
        public const string PersonalAccessTokenInvalid = "PersonalAccessTokenInvalid";

        // The SSH key on this machine (New-, Import-, Export-, Remove-, Update-PfaSshKey, Get-PfaSshPublicKey)
        public const string SshKeyExists = "SshKeyExists";
        public const string SshKeyNotFound = "SshKeyNotFound";
        public const string SshKeyInvalidType = "SshKeyInvalidType";
        public const string SshKeyInvalidSize = "SshKeyInvalidSize";
        public const string SshKeyTooSmall = "SshKeyTooSmall";
        public const string SshKeyInvalidComment = "SshKeyInvalidComment";
        public const string SshKeyPassphraseEmpty = "SshKeyPassphraseEmpty";
        public const string SshKeyPrivateKeyMissing = "SshKeyPrivateKeyMissing";
        public const string SshKeyPrivateKeyCorrupt = "SshKeyPrivateKeyCorrupt";
        public const string SshKeyExportExists = "SshKeyExportExists";
        public const string SshKeyExportFailed = "SshKeyExportFailed";
        public const string SshPrivateKeyFileNotFound = "SshPrivateKeyFileNotFound";
        public const string SshPrivateKeyPassphraseRequired = "SshPrivateKeyPassphraseRequired";
        public const string SshPrivateKeyWrongPassphrase = "SshPrivateKeyWrongPassphrase";
        public const string SshPrivateKeyCorrupt = "SshPrivateKeyCorrupt";
        public const string SshPrivateKeyUnrecognized = "SshPrivateKeyUnrecognized";
        public const string SshPrivateKeyUnsupported = "SshPrivateKeyUnsupported";
        public const string SshPrivateKeyInvalid = "SshPrivateKeyInvalid";
        public const string SshPrivateKeyEncrypted = "SshPrivateKeyEncrypted";
        public const string SshPublicKeyFileNotFound = "SshPublicKeyFileNotFound";
        public const string SshPublicKeyMalformed = "SshPublicKeyMalformed";
        public const string SshPublicKeyIsPrivate = "SshPublicKeyIsPrivate";
        public const string SshPublicKeyUnsupportedType = "SshPublicKeyUnsupportedType";
        public const string SshKeyRotationNotRegistered = "SshKeyRotationNotRegistered";
        public const string SshKeyRotationAccessCheckFailed = "SshKeyRotationAccessCheckFailed";
        public const string SshKeyRotationKeyChanged = "SshKeyRotationKeyChanged";

        // SSH keys in Azure DevOps (Add-, Get-, Remove-AzDevOpsSshKey)
        public const string AzDevOpsOrganizationUnknown = "AzDevOpsOrganizationUnknown";
        public const string AzDevOpsVsspsUrlNeedsOneOrganization = "AzDevOpsVsspsUrlNeedsOneOrganization";
        public const string AzDevOpsSshKeyNotRsa = "AzDevOpsSshKeyNotRsa";
        public const string AzDevOpsSshKeyAlreadyInUse = "AzDevOpsSshKeyAlreadyInUse";
        public const string AzDevOpsSshKeysDisabled = "AzDevOpsSshKeysDisabled";
        public const string AzDevOpsSshKeyInvalidDescription = "AzDevOpsSshKeyInvalidDescription";
        public const string AzDevOpsSshKeyInvalidExpiry = "AzDevOpsSshKeyInvalidExpiry";
        public const string AzDevOpsSshKeyInvalid = "AzDevOpsSshKeyInvalid";
        public const string AzDevOpsSshKeyRefused = "AzDevOpsSshKeyRefused";
        public const string AzDevOpsSshKeyTokenRefused = "AzDevOpsSshKeyTokenRefused";
        public const string AzDevOpsSshKeyNotFound = "AzDevOpsSshKeyNotFound";
        public const string AzDevOpsSshKeyExpired = "AzDevOpsSshKeyExpired";
        public const string AzDevOpsSshKeyExpiring = "AzDevOpsSshKeyExpiring";
        public const string AzDevOpsSshKeyInvalidResponse = "AzDevOpsSshKeyInvalidResponse";

        // Clone access over SSH (Test-PfaAzureDevOpsSshAccess, Copy-, Update-PfaAzureDevOpsRepository)
        public const string GitUrlInvalid = "GitUrlInvalid";
        public const string HostKeyFingerprintInvalid = "HostKeyFingerprintInvalid";
        public const string KnownHostsUnreadable = "KnownHostsUnreadable";
        public const string SshHostKeyUnknown = "SshHostKeyUnknown";
        public const string SshHostKeyMismatch = "SshHostKeyMismatch";
        public const string SshHostUnreachable = "SshHostUnreachable";
        public const string SshTimeout = "SshTimeout";
        public const string SshConnectionFailed = "SshConnectionFailed";
        public const string SshKeyNotAuthorized = "SshKeyNotAuthorized";
        public const string GitRepositoryNotFound = "GitRepositoryNotFound";
        public const string GitUploadPackFailed = "GitUploadPackFailed";
        public const string GitNotInstalled = "GitNotInstalled";
        public const string GitCommandFailed = "GitCommandFailed";
        public const string GitDestinationInvalid = "GitDestinationInvalid";
        public const string GitDestinationNotEmpty = "GitDestinationNotEmpty";
        public const string GitRepositoryPathInvalid = "GitRepositoryPathInvalid";
        public const string GitRemoteUnknown = "GitRemoteUnknown";
        public const string GitBranchUnknown = "GitBranchUnknown";
        public const string GitBranchInvalid = "GitBranchInvalid";
        public const string GitDepthInvalid = "GitDepthInvalid";

        // Any cmdlet
        public const string ConfirmationRequired = "ConfirmationRequired";
        public const string InvalidArgument = "InvalidArgument";
        public const string UnexpectedError = "UnexpectedError";
    }
}
