namespace PfaAzureDevOps.Core.Errors
{
    public static partial class ErrorCatalog
    {
        private static void AddRegistration(System.Collections.Generic.List<ErrorEntry> list)
        {
            const string Area = "The instance's application (registration)";
            list.Add(new ErrorEntry(ErrorIds.RegistrationExists, PfaErrorKind.AlreadyExists, Area,
                "An application is already registered in this scope.",
                "Use Set-PfaAzureDevOpsApp to change it, or Register-PfaAzureDevOpsApp -Force to replace it."));
            list.Add(new ErrorEntry(ErrorIds.RegistrationNotFound, PfaErrorKind.NotFound, Area,
                "No application is registered (in the scope asked for).",
                "An administrator registers one with Register-PfaAzureDevOpsApp."));
            list.Add(new ErrorEntry(ErrorIds.NothingToChange, PfaErrorKind.InvalidArgument, Area,
                "Set-PfaAzureDevOpsApp was given nothing to change.",
                "Give -ClientSecret, -SecretExpiresOn, -ClearSecretExpiry, -OAuthScope, -AuthorizationServer or -UserGroup."));
            list.Add(new ErrorEntry(ErrorIds.ConflictingParameters, PfaErrorKind.InvalidArgument, Area,
                "-ClearSecretExpiry and -SecretExpiresOn contradict each other.",
                "Give one of them."));
            list.Add(new ErrorEntry(ErrorIds.InvalidClientId, PfaErrorKind.InvalidArgument, Area,
                "The client (application) ID is not a GUID, or is the empty GUID.",
                "Give the application's client ID from its registration page."));
            list.Add(new ErrorEntry(ErrorIds.InvalidTenantId, PfaErrorKind.InvalidArgument, Area,
                "-TenantId is not a GUID, a verified domain or organizations.",
                "Give the directory (tenant) ID, a verified domain such as contoso.onmicrosoft.com, or organizations."));
            list.Add(new ErrorEntry(ErrorIds.InvalidOAuthScope, PfaErrorKind.InvalidArgument, Area,
                "A scope is not one word of letters, digits and . _ - : /, or not one the provider knows (Entra ID needs the Azure DevOps resource in front).",
                "Give the scopes the application was registered with, such as vso.code_write (Entra ID: 499b84ac-1321-427f-aa17-267ca6975798/vso.code_write)."));
            list.Add(new ErrorEntry(ErrorIds.InvalidAuthority, PfaErrorKind.InvalidArgument, Area,
                "The Entra ID authority (authorization server) is not an https URL.",
                "Fix it with Set-PfaAzureDevOpsApp -AuthorizationServer (default https://login.microsoftonline.com)."));
            list.Add(new ErrorEntry(ErrorIds.InvalidCertificateThumbprint, PfaErrorKind.InvalidArgument, Area,
                "-CertificateThumbprint is not 40 hexadecimal digits.",
                "Give the certificate's SHA-1 thumbprint, as Get-ChildItem Cert:\\CurrentUser\\My shows it."));
            list.Add(new ErrorEntry(ErrorIds.TenantNotApplicable, PfaErrorKind.InvalidArgument, Area,
                "-TenantId (or -Organization) was given for a provider that has no tenant.",
                "Leave it out for -Provider AzureDevOps; it applies to -Provider EntraId only."));
            list.Add(new ErrorEntry(ErrorIds.CertificateNotApplicable, PfaErrorKind.InvalidArgument, Area,
                "-CertificateThumbprint or -CertificatePath was given for an Azure DevOps OAuth application.",
                "Leave them out; an Azure DevOps OAuth application signs in with its client secret."));
            list.Add(new ErrorEntry(ErrorIds.ClientCredentialConflict, PfaErrorKind.InvalidArgument, Area,
                "More than one credential was given for a confidential client.",
                "Give exactly one of -ClientSecret, -CertificateThumbprint or -CertificatePath."));
            list.Add(new ErrorEntry(ErrorIds.ClientSecretRequired, PfaErrorKind.InvalidArgument, Area,
                "A client secret is needed (an Azure DevOps OAuth application, or a service principal) and none was given, and this session cannot ask.",
                "Give -ClientSecret as a SecureString (or a certificate for a service principal)."));
            list.Add(new ErrorEntry(ErrorIds.ClientSecretEmpty, PfaErrorKind.InvalidArgument, Area,
                "The client secret given is empty.",
                "Give the secret's value."));
            list.Add(new ErrorEntry(ErrorIds.ClientSecretWhitespace, PfaErrorKind.InvalidArgument, Area,
                "The client secret begins or ends with white space (it was probably copied with extra characters).",
                "Copy the secret again, without spaces or line breaks."));
            list.Add(new ErrorEntry(ErrorIds.SecretExpiryWithoutSecret, PfaErrorKind.InvalidArgument, Area,
                "-SecretExpiresOn was given for an application without a client secret.",
                "Leave -SecretExpiresOn out, or give the secret too."));
            list.Add(new ErrorEntry(ErrorIds.SecretAlreadyExpired, PfaErrorKind.InvalidArgument, Area,
                "-SecretExpiresOn is in the past.",
                "Give the expiry date of the current secret, or make a new secret first."));
            list.Add(new ErrorEntry(ErrorIds.UserGroupNotSupported, PfaErrorKind.InvalidOperation, Area,
                "-UserGroup is available on Linux only in this version.",
                "On Windows and macOS each user registers the application in their own CurrentUser scope."));
            list.Add(new ErrorEntry(ErrorIds.UserGroupInvalid, PfaErrorKind.InvalidArgument, Area,
                "The -UserGroup value is not a valid OS group name.",
                "Give the name of an existing OS group, such as pfa-users."));
            list.Add(new ErrorEntry(ErrorIds.UserGroupNotFound, PfaErrorKind.NotFound, Area,
                "There is no OS group with that name.",
                "Create it (groupadd <group>) and add the instance's users to it (usermod -aG <group> <user>)."));
            list.Add(new ErrorEntry(ErrorIds.UserGroupNeedsAllUsers, PfaErrorKind.InvalidArgument, Area,
                "-UserGroup was given for a CurrentUser registration.",
                "Use -Scope AllUsers, or leave -UserGroup out."));
            list.Add(new ErrorEntry(ErrorIds.ProviderNotSupported, PfaErrorKind.InvalidOperation, Area,
                "The registered application's provider does not support what was asked (for example an Azure DevOps OAuth flow against an Entra ID registration).",
                "Use the parameters of the registered provider, or register the other provider (Register-PfaAzureDevOpsApp -Provider)."));
            list.Add(new ErrorEntry(ErrorIds.ProviderRequired, PfaErrorKind.InvalidArgument, Area,
                "Register-PfaAzureDevOpsApp was called without -Provider and without a tenant, like a script written when Azure DevOps OAuth was the default (Entra ID is the default now). Nothing was stored.",
                "For an existing Azure DevOps OAuth application add -Provider AzureDevOps; for an Entra ID application add -TenantId (or -Organization to find it)."));
        }

        private static void AddSignIn(System.Collections.Generic.List<ErrorEntry> list)
        {
            const string Area = "Signing in with an Azure DevOps OAuth application";
            list.Add(new ErrorEntry(ErrorIds.NotConnected, PfaErrorKind.NotFound, Area,
                "You have not connected Azure DevOps in this account yet, or you disconnected.",
                "Run Connect-PfaAzureDevOps."));
            list.Add(new ErrorEntry(ErrorIds.ConnectionTokensMissing, PfaErrorKind.InvalidData, Area,
                "The connection's tokens are missing from the vault (saved by another account or machine, or deleted).",
                "Run Connect-PfaAzureDevOps to connect again."));
            list.Add(new ErrorEntry(ErrorIds.ConnectionRegistrationChanged, PfaErrorKind.InvalidOperation, Area,
                "The application that issued the connection's tokens is no longer registered, so they cannot be refreshed.",
                "Run Connect-PfaAzureDevOps to connect through the application registered now."));
            list.Add(new ErrorEntry(ErrorIds.TokenInvalid, PfaErrorKind.ProtocolError, Area,
                "A token to store is empty or longer than 64 KB; nothing was stored and the previous connection is kept.",
                "Check the token, or the server that issued it."));
            list.Add(new ErrorEntry(ErrorIds.ProfileInvalid, PfaErrorKind.ProtocolError, Area,
                "The profile answer has no user id.",
                "Check -ProfileUrl (it must point at Azure DevOps' profile service)."));
            list.Add(new ErrorEntry(ErrorIds.OrganizationRequired, PfaErrorKind.InvalidArgument, Area,
                "No organization is known for this connection and none was given.",
                "Add -Organization <name> (or -OrganizationUrl <url>)."));
            list.Add(new ErrorEntry(ErrorIds.OrganizationChoiceRequired, PfaErrorKind.InvalidArgument, Area,
                "You belong to several organizations and this session cannot ask which one.",
                "Give -Organization <name>."));
            list.Add(new ErrorEntry(ErrorIds.BrowserUnavailable, PfaErrorKind.ResourceUnavailable, Area,
                "This non-interactive session has no browser, so nobody could click Accept; nothing was signed in.",
                "Set $env:BROWSER to a command that opens a URL, or run Connect-PfaAzureDevOps -NoBrowser and open the link yourself; a pipeline uses -AccessToken, -ServicePrincipal or -Identity."));
            list.Add(new ErrorEntry(ErrorIds.BrowserCommandFailed, PfaErrorKind.ResourceUnavailable, Area,
                "The browser command ($env:BROWSER, or the system's opener) could not start or ended at once with a non-zero exit code, and this non-interactive session has nobody to open the link by hand; nothing was signed in. An interactive session gets a warning with the exit code, the command's last error line and the link instead, and keeps waiting.",
                "Set $env:BROWSER to a command that opens the URL it is given, or run Connect-PfaAzureDevOps -NoBrowser and open the printed link yourself."));
            list.Add(new ErrorEntry(ErrorIds.CallbackAddressPromptUnavailable, PfaErrorKind.InvalidOperation, Area,
                "A sign-in that needs a person (Azure DevOps OAuth or an Entra ID confidential client whose callback is not on this machine) was started in a non-interactive session, which cannot be asked for the address the browser ends on; nothing was signed in.",
                "Run Connect-PfaAzureDevOps -NoBrowser, open the link, then Connect-PfaAzureDevOps -CallbackUri '<address>'; a pipeline uses -AccessToken, -ServicePrincipal or -Identity."));
            list.Add(new ErrorEntry(ErrorIds.CallbackNotLoopback, PfaErrorKind.InvalidArgument, Area,
                "The callback URL is not an http address with a port on this machine, so this session cannot receive it itself.",
                "Use -NoBrowser and pass the address the browser ends on with -CallbackUri."));
            list.Add(new ErrorEntry(ErrorIds.CallbackPortInUse, PfaErrorKind.ResourceUnavailable, Area,
                "Another program listens on the callback port.",
                "Stop that program, or use -NoBrowser and -CallbackUri."));
            list.Add(new ErrorEntry(ErrorIds.CallbackTimeout, PfaErrorKind.OperationTimeout, Area,
                "The browser did not come back to the callback address in time.",
                "Run Connect-PfaAzureDevOps again (more time with -TimeoutSeconds), open the link and click Accept."));
            list.Add(new ErrorEntry(ErrorIds.CallbackUriInvalid, PfaErrorKind.InvalidArgument, Area,
                "-CallbackUri is not the full address the browser ended on.",
                "Copy the whole address from the browser's address bar after clicking Accept."));
            list.Add(new ErrorEntry(ErrorIds.CallbackUriMismatch, PfaErrorKind.InvalidArgument, Area,
                "-CallbackUri is not the application's callback URL.",
                "Copy the whole address from the browser's address bar after clicking Accept."));
            list.Add(new ErrorEntry(ErrorIds.NoPendingAuthorization, PfaErrorKind.InvalidOperation, Area,
                "-CallbackUri was given but no sign-in is waiting for an answer in this account.",
                "Run Connect-PfaAzureDevOps -NoBrowser first, open the link, click Accept, then pass the address with -CallbackUri."));
            list.Add(new ErrorEntry(ErrorIds.PendingAuthorizationExpired, PfaErrorKind.InvalidOperation, Area,
                "The waiting sign-in is too old or was made for another application.",
                "Run Connect-PfaAzureDevOps -NoBrowser again for a new link."));
            list.Add(new ErrorEntry(ErrorIds.OAuthStateMismatch, PfaErrorKind.SecurityError, Area,
                "The answer passed with -CallbackUri does not belong to the sign-in this session started (its state differs).",
                "Start the sign-in again and use the address of that sign-in only."));
            list.Add(new ErrorEntry(ErrorIds.OAuthAccessDenied, PfaErrorKind.PermissionDenied, Area,
                "Access was denied on the Azure DevOps consent page.",
                "Run Connect-PfaAzureDevOps again and click Accept."));
            list.Add(new ErrorEntry(ErrorIds.OAuthAuthorizationFailed, PfaErrorKind.Authentication, Area,
                "Azure DevOps refused the authorization and said why.",
                "Run Connect-PfaAzureDevOps again; if it persists, the administrator checks the application's registration."));
            list.Add(new ErrorEntry(ErrorIds.OAuthCodeMissing, PfaErrorKind.InvalidData, Area,
                "The callback address has no authorization code.",
                "Copy the whole address the browser ended on after clicking Accept."));
            list.Add(new ErrorEntry(ErrorIds.OAuthCodeInvalid, PfaErrorKind.Authentication, Area,
                "Azure DevOps did not accept the authorization code (already used, another application's, or not a code).",
                "Run Connect-PfaAzureDevOps again; a code works once."));
            list.Add(new ErrorEntry(ErrorIds.OAuthCodeExpired, PfaErrorKind.Authentication, Area,
                "The authorization code expired before it was redeemed (codes live 15 minutes).",
                "Run Connect-PfaAzureDevOps again and finish within a few minutes."));
            list.Add(new ErrorEntry(ErrorIds.OAuthInvalidClient, PfaErrorKind.Authentication, Area,
                "Azure DevOps did not accept the registered application's client secret.",
                "The administrator stores the application's Client Secret with Set-PfaAzureDevOpsApp -ClientSecret."));
            list.Add(new ErrorEntry(ErrorIds.OAuthClientSecretRotated, PfaErrorKind.Authentication, Area,
                "The application's client secret was regenerated; every connection made with the old one ended.",
                "The administrator stores the new secret with Set-PfaAzureDevOpsApp -ClientSecret; then run Connect-PfaAzureDevOps."));
            list.Add(new ErrorEntry(ErrorIds.OAuthClientSecretExpired, PfaErrorKind.Authentication, Area,
                "The registered application's client secret has expired.",
                "The administrator makes a new one and stores it with Set-PfaAzureDevOpsApp -ClientSecret -SecretExpiresOn; then run Connect-PfaAzureDevOps."));
            list.Add(new ErrorEntry(ErrorIds.OAuthInvalidScope, PfaErrorKind.InvalidArgument, Area,
                "Azure DevOps refused the registration's scopes.",
                "The administrator sets the scopes the application was registered with (Set-PfaAzureDevOpsApp -OAuthScope); then run Connect-PfaAzureDevOps."));
            list.Add(new ErrorEntry(ErrorIds.OAuthRedirectUriMismatch, PfaErrorKind.InvalidArgument, Area,
                "Azure DevOps says the callback URL does not match the application's.",
                "The administrator checks the registration's instance URL (Get-PfaAzureDevOpsApp) against the application's page."));
            list.Add(new ErrorEntry(ErrorIds.OAuthRefreshTokenInvalid, PfaErrorKind.Authentication, Area,
                "Azure DevOps did not accept the stored refresh token.",
                "Run Connect-PfaAzureDevOps to connect again."));
            list.Add(new ErrorEntry(ErrorIds.OAuthRefreshTokenReused, PfaErrorKind.Authentication, Area,
                "The stored refresh token was already used and the newer one was not saved (another copy of the state, or a process stopped mid-refresh).",
                "Run Connect-PfaAzureDevOps to connect again."));
            list.Add(new ErrorEntry(ErrorIds.OAuthAuthorizationRevoked, PfaErrorKind.Authentication, Area,
                "The authorization of Pipelines for Applications in Azure DevOps was revoked.",
                "Run Connect-PfaAzureDevOps to connect again."));
            list.Add(new ErrorEntry(ErrorIds.OAuthRefreshFailed, PfaErrorKind.Authentication, Area,
                "Azure DevOps refused to refresh the token for another reason (its answer is quoted).",
                "Run Connect-PfaAzureDevOps to connect again."));
            list.Add(new ErrorEntry(ErrorIds.OAuthTokenRequestFailed, PfaErrorKind.Authentication, Area,
                "Azure DevOps refused the token request for another reason (its answer is quoted).",
                "Run Connect-PfaAzureDevOps again; if it persists, the administrator checks the registration."));
            list.Add(new ErrorEntry(ErrorIds.OAuthServerBusy, PfaErrorKind.LimitsExceeded, Area,
                "The Azure DevOps authorization server is busy (HTTP 429 or 503).",
                "Try again later."));
            list.Add(new ErrorEntry(ErrorIds.OAuthServerError, PfaErrorKind.ResourceUnavailable, Area,
                "The Azure DevOps authorization server failed (HTTP 5xx).",
                "Try again in a few minutes."));
            list.Add(new ErrorEntry(ErrorIds.OAuthInvalidTokenResponse, PfaErrorKind.ProtocolError, Area,
                "The token answer has the wrong shape: no access or refresh token, a lifetime out of range, or a token over 64 KB. Nothing was stored.",
                "Check that the registration's authorization server URL is right."));
        }

        private static void AddEntra(System.Collections.Generic.List<ErrorEntry> list)
        {
            const string Area = "Signing in with Microsoft Entra ID";
            list.Add(new ErrorEntry(ErrorIds.NotAnEntraRegistration, PfaErrorKind.InvalidOperation, Area,
                "The registered application is an Azure DevOps OAuth application, not a Microsoft Entra ID one.",
                "Use the Azure DevOps OAuth sign-in, or register an Entra ID application (Register-PfaAzureDevOpsApp -Provider EntraId)."));
            list.Add(new ErrorEntry(ErrorIds.EntraConfidentialClientInteractive, PfaErrorKind.InvalidOperation, Area,
                "The registered Entra app is a confidential client, whose users sign in through the instance's callback, and this flow cannot.",
                "Run Connect-PfaAzureDevOps without -UseDeviceCode in a session with a browser, or use -NoBrowser and -CallbackUri."));
            list.Add(new ErrorEntry(ErrorIds.EntraPublicClientAuthorizationCode, PfaErrorKind.InvalidOperation, Area,
                "The registered Entra app is a public client (no secret): it signs in with the browser loopback or a device code, not at the instance's callback.",
                "Run Connect-PfaAzureDevOps (or -UseDeviceCode) without -CallbackUri."));
            list.Add(new ErrorEntry(ErrorIds.EntraTenantRequired, PfaErrorKind.InvalidArgument, Area,
                "A service principal signs in to one tenant and none was given.",
                "Give -TenantId (the directory ID or a verified domain)."));
            list.Add(new ErrorEntry(ErrorIds.EntraAccessTokenExpired, PfaErrorKind.InvalidArgument, Area,
                "The access token given (or stored) has expired.",
                "Pass a current token (in Azure Pipelines: $(System.AccessToken) of this job)."));
            list.Add(new ErrorEntry(ErrorIds.AccessTokenEmpty, PfaErrorKind.InvalidArgument, Area,
                "The access token given is empty.",
                "Pass the token (in Azure Pipelines map $(System.AccessToken) into the step's environment)."));
            list.Add(new ErrorEntry(ErrorIds.AccessTokenExpired, PfaErrorKind.Authentication, Area,
                "The access token given expired already.",
                "Get a fresh token and pass it again."));
            list.Add(new ErrorEntry(ErrorIds.CertificateRequired, PfaErrorKind.InvalidArgument, Area,
                "A service principal with a certificate needs exactly one of -CertificateThumbprint or -CertificatePath.",
                "Give one of them."));
            list.Add(new ErrorEntry(ErrorIds.EntraCertificateNotFound, PfaErrorKind.NotFound, Area,
                "The certificate was not found (no such file, or no certificate with that thumbprint in CurrentUser\\My).",
                "Check -CertificatePath or -CertificateThumbprint."));
            list.Add(new ErrorEntry(ErrorIds.EntraCertificateUnreadable, PfaErrorKind.InvalidData, Area,
                "The certificate file could not be read: wrong password, or not a PFX/PKCS#12 (or PEM) file with the certificate and its private key.",
                "Give the certificate with its private key."));
            list.Add(new ErrorEntry(ErrorIds.EntraCertificateNoPrivateKey, PfaErrorKind.InvalidArgument, Area,
                "The certificate has no private key, so it cannot sign in.",
                "Give a .pfx/.p12 with its key, or a store certificate whose key this account can use."));
            list.Add(new ErrorEntry(ErrorIds.TenantDiscoveryFailed, PfaErrorKind.ConnectionError, Area,
                "The organization's Microsoft Entra tenant could not be found (the organization did not answer, or answered without naming a tenant). Nothing was guessed.",
                "Give -TenantId, or check the organization URL and the network."));
            list.Add(new ErrorEntry(ErrorIds.MsalVersionConflict, PfaErrorKind.ResourceUnavailable, Area,
                "Another version of MSAL (Microsoft.Identity.Client) is loaded in this session and the host handed it to the module.",
                "Run PfaAzureDevOps in a new session, before modules that load another MSAL."));
            list.Add(new ErrorEntry(ErrorIds.EntraNotSignedIn, PfaErrorKind.InvalidOperation, Area,
                "MSAL's token cache holds no sign-in for this connection (cleared, or saved by another account).",
                "Run Connect-PfaAzureDevOps to sign in again."));
            list.Add(new ErrorEntry(ErrorIds.EntraMfaRequired, PfaErrorKind.Authentication, Area,
                "Your organization requires multi-factor authentication, and the saved sign-in has not done it (AADSTS50076).",
                "Connect again and complete the MFA prompt in the browser."));
            list.Add(new ErrorEntry(ErrorIds.EntraMfaRegistrationRequired, PfaErrorKind.Authentication, Area,
                "You must register for multi-factor authentication first (AADSTS50079).",
                "Connect again in a browser and follow the MFA registration steps."));
            list.Add(new ErrorEntry(ErrorIds.EntraSignInFrequency, PfaErrorKind.Authentication, Area,
                "The saved sign-in expired (conditional access sign-in frequency, or a refresh token too old).",
                "Connect again."));
            list.Add(new ErrorEntry(ErrorIds.EntraConsentRequired, PfaErrorKind.PermissionDenied, Area,
                "Nobody has consented to the application using Azure DevOps on your behalf (AADSTS65001).",
                "Sign in interactively once and accept the consent prompt, or ask a tenant administrator to grant admin consent."));
            list.Add(new ErrorEntry(ErrorIds.EntraApplicationNotFound, PfaErrorKind.NotFound, Area,
                "The application (or service principal) does not exist in the tenant (AADSTS700016).",
                "Check the client ID and tenant (Get-PfaAzureDevOpsApp; Connect -ServicePrincipal -ClientId -TenantId)."));
            list.Add(new ErrorEntry(ErrorIds.EntraInvalidClientSecret, PfaErrorKind.Authentication, Area,
                "Microsoft Entra ID refused the client secret (AADSTS7000215).",
                "Give the secret's Value, not its Secret ID (Set-PfaAzureDevOpsApp -ClientSecret, or Connect -ServicePrincipal -ClientSecret)."));
            list.Add(new ErrorEntry(ErrorIds.EntraClientSecretExpired, PfaErrorKind.Authentication, Area,
                "The client secret has expired (AADSTS7000222).",
                "Create a new secret for the app and store it (Set-PfaAzureDevOpsApp -ClientSecret, or Connect -ServicePrincipal -ClientSecret)."));
            list.Add(new ErrorEntry(ErrorIds.EntraInvalidClient, PfaErrorKind.Authentication, Area,
                "Microsoft Entra ID refused the application's credentials or this sign-in method for it.",
                "Check the secret or certificate, and the app's platform settings (public client flows, redirect URIs)."));
            list.Add(new ErrorEntry(ErrorIds.EntraBlockedByConditionalAccess, PfaErrorKind.PermissionDenied, Area,
                "Conditional access blocks this sign-in (AADSTS53003), for example from this device or location.",
                "Ask your administrator which policy applies (the sign-in logs name it)."));
            list.Add(new ErrorEntry(ErrorIds.EntraClaimsChallenge, PfaErrorKind.Authentication, Area,
                "Conditional access asks for more than the saved sign-in provides (a claims challenge).",
                "Connect again and complete what the sign-in page asks."));
            list.Add(new ErrorEntry(ErrorIds.EntraInteractionRequired, PfaErrorKind.Authentication, Area,
                "The saved sign-in is no longer valid without you.",
                "Run Connect-PfaAzureDevOps again."));
            list.Add(new ErrorEntry(ErrorIds.EntraSignInDeclined, PfaErrorKind.PermissionDenied, Area,
                "The sign-in was declined or cancelled.",
                "Connect again and accept the sign-in."));
            list.Add(new ErrorEntry(ErrorIds.EntraDeviceCodeExpired, PfaErrorKind.OperationTimeout, Area,
                "The device code expired before the sign-in was completed.",
                "Run Connect-PfaAzureDevOps -UseDeviceCode again and enter the code promptly."));
            list.Add(new ErrorEntry(ErrorIds.EntraSignInTimedOut, PfaErrorKind.OperationTimeout, Area,
                "The sign-in did not finish in time.",
                "Run Connect-PfaAzureDevOps again and finish the sign-in in the browser."));
            list.Add(new ErrorEntry(ErrorIds.EntraStateMismatch, PfaErrorKind.SecurityError, Area,
                "The sign-in answer does not belong to the sign-in this session started.",
                "Start the sign-in again."));
            list.Add(new ErrorEntry(ErrorIds.EntraThrottled, PfaErrorKind.LimitsExceeded, Area,
                "Microsoft Entra ID is throttling requests from this application or machine.",
                "Wait a minute and try again; do not retry in a tight loop."));
            list.Add(new ErrorEntry(ErrorIds.EntraServiceUnavailable, PfaErrorKind.ResourceUnavailable, Area,
                "Microsoft Entra ID is unavailable right now.",
                "Try again in a few minutes."));
            list.Add(new ErrorEntry(ErrorIds.EntraConnectionFailed, PfaErrorKind.ConnectionError, Area,
                "Microsoft Entra ID could not be reached.",
                "Check the network, the proxy and the registration's authority (Set-PfaAzureDevOpsApp -AuthorizationServer)."));
            list.Add(new ErrorEntry(ErrorIds.EntraBrowserUnavailable, PfaErrorKind.ResourceUnavailable, Area,
                "No web browser could be opened for the sign-in.",
                "Use -UseDeviceCode, or set $env:BROWSER to a browser command."));
            list.Add(new ErrorEntry(ErrorIds.EntraInvalidScope, PfaErrorKind.InvalidArgument, Area,
                "Microsoft Entra ID refused the requested scopes.",
                "Fix the registration's scopes with Set-PfaAzureDevOpsApp -OAuthScope (499b84ac-1321-427f-aa17-267ca6975798/vso.code_write or .../.default)."));
            list.Add(new ErrorEntry(ErrorIds.EntraTenantNotFound, PfaErrorKind.NotFound, Area,
                "Microsoft Entra ID does not know the tenant.",
                "Give the directory ID or a verified domain of the right tenant."));
            list.Add(new ErrorEntry(ErrorIds.EntraManagedIdentityUnavailable, PfaErrorKind.ResourceUnavailable, Area,
                "No managed identity answered on this machine.",
                "Use -Identity only on an Azure resource with a managed identity; elsewhere use a service principal."));
            list.Add(new ErrorEntry(ErrorIds.EntraSignInFailed, PfaErrorKind.Authentication, Area,
                "Microsoft Entra ID refused the sign-in for a reason it names (quoted in the message).",
                "Act on the quoted reason; -Verbose shows the trace and correlation ids for support."));
            list.Add(new ErrorEntry(ErrorIds.EntraClientError, PfaErrorKind.InvalidOperation, Area,
                "MSAL could not complete the sign-in on this machine.",
                "Act on the quoted reason, then connect again."));
        }
    }
}
