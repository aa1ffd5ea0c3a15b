using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Registration;

namespace PfaAzureDevOps.Core.SignIn.Entra
{
    /// <summary>How an Entra ID token was obtained.</summary>
    public enum EntraFlow
    {
        /// <summary>From MSAL's cache, or refreshed silently with the cached refresh token.</summary>
        Silent,

        /// <summary>The system browser with MSAL's loopback redirect (public client).</summary>
        Interactive,

        /// <summary>The device code flow (another device's browser).</summary>
        DeviceCode,

        /// <summary>Authorization code with PKCE, redeemed by the confidential client at the instance callback.</summary>
        AuthorizationCode,

        /// <summary>A token the caller already holds (e.g. a pipeline's System.AccessToken); never checked against a profile.</summary>
        AccessToken,

        /// <summary>Client credentials of a service principal (secret or certificate).</summary>
        ServicePrincipal,

        /// <summary>A managed identity of the machine (App Service / Azure Arc / IMDS style endpoints, as MSAL detects them).</summary>
        ManagedIdentity,
    }

    /// <summary>An access token for Azure DevOps and who it is for. <see cref="AccessToken"/> is a secret: never log it.</summary>
    public sealed class EntraToken
    {
        public EntraToken(string accessToken, DateTimeOffset? expiresOn, EntraFlow flow)
        {
            AccessToken = accessToken ?? throw new ArgumentNullException(nameof(accessToken));
            ExpiresOn = expiresOn;
            Flow = flow;
        }

        public string AccessToken { get; }

        /// <summary>When the access token expires; null when unknown (a supplied token that is not a JWT).</summary>
        public DateTimeOffset? ExpiresOn { get; }

        public EntraFlow Flow { get; }

        /// <summary>True when MSAL answered from its cache without calling the token endpoint.</summary>
        public bool FromCache { get; internal set; }

        /// <summary>The tenant (directory) ID the token was issued by, when known.</summary>
        public string? TenantId { get; internal set; }

        /// <summary>The object ID of the user, service principal or managed identity, when known.</summary>
        public string? ObjectId { get; internal set; }

        /// <summary>The sign-in name (user principal name) for users; null for applications.</summary>
        public string? Username { get; internal set; }

        /// <summary>MSAL's account identifier ("{oid}.{tid}") for user tokens: pass it back to silent calls.</summary>
        public string? AccountId { get; internal set; }

        /// <summary>The client (application) ID that requested the token.</summary>
        public string? ClientId { get; internal set; }

        public IReadOnlyList<string> Scopes { get; internal set; } = Array.Empty<string>();

        public override string ToString() => $"{Flow} token for {Username ?? ObjectId ?? "(unknown)"} (tenant {TenantId ?? "?"}), expires {ExpiresOn?.ToString("u") ?? "?"}";
    }

    /// <summary>What the user must see to complete a device code sign-in.</summary>
    public sealed class DeviceCodePrompt
    {
        public DeviceCodePrompt(string userCode, Uri verificationUrl, string message, DateTimeOffset expiresOn)
        {
            UserCode = userCode;
            VerificationUrl = verificationUrl;
            Message = message;
            ExpiresOn = expiresOn;
        }

        public string UserCode { get; }

        public Uri VerificationUrl { get; }

        /// <summary>The sentence Entra ID composed ("To sign in, use a web browser to open the page ... and enter the code ...").</summary>
        public string Message { get; }

        public DateTimeOffset ExpiresOn { get; }
    }

    /// <summary>
    /// A pending confidential-client sign-in: the authorize URL to open, and what the redemption needs (state to check,
    /// PKCE verifier). Keep it private to the session that started it; the verifier is a secret.
    /// </summary>
    public sealed class EntraAuthorizationRequest
    {
        internal EntraAuthorizationRequest(Uri url, string state, string codeVerifier, string redirectUri)
        {
            Url = url;
            State = state;
            CodeVerifier = codeVerifier;
            RedirectUri = redirectUri;
        }

        public Uri Url { get; }

        public string State { get; }

        public string RedirectUri { get; }

        internal string CodeVerifier { get; }
    }

    /// <summary>The credential of a service principal: a client secret or a certificate with its private key.</summary>
    public sealed class ServicePrincipalCredential
    {
        private ServicePrincipalCredential(Guid clientId, string tenantId)
        {
            if (clientId == Guid.Empty)
            {
                throw new PfaException(ErrorIds.InvalidClientId, PfaErrorKind.InvalidArgument, "The service principal's client (application) ID must be a GUID, not the empty GUID.", clientId);
            }

            if (string.IsNullOrWhiteSpace(tenantId))
            {
                throw new PfaException(ErrorIds.EntraTenantRequired, PfaErrorKind.InvalidArgument, "A service principal signs in to one tenant: give its directory (tenant) ID or verified domain.", "TenantId");
            }

            ClientId = clientId;
            TenantId = tenantId;
        }

        public Guid ClientId { get; }

        public string TenantId { get; }

        internal char[]? Secret { get; private set; }

        internal X509Certificate2? Certificate { get; private set; }

        /// <summary>The secret is copied; clear your array after the call.</summary>
        public static ServicePrincipalCredential FromSecret(Guid clientId, string tenantId, char[] secret)
        {
            if (secret is null || secret.Length == 0)
            {
                throw new PfaException(ErrorIds.ClientSecretEmpty, PfaErrorKind.InvalidArgument, "The service principal's client secret is empty.", "ClientSecret");
            }

            return new ServicePrincipalCredential(clientId, tenantId) { Secret = (char[])secret.Clone() };
        }

        public static ServicePrincipalCredential FromCertificate(Guid clientId, string tenantId, X509Certificate2 certificate)
        {
            if (certificate is null || !certificate.HasPrivateKey)
            {
                throw new PfaException(ErrorIds.EntraCertificateNoPrivateKey, PfaErrorKind.InvalidArgument, "The certificate has no private key, so it cannot sign in. Give the certificate with its private key (a .pfx/.p12 file, or a store certificate whose key is available to this account).", certificate?.Thumbprint);
            }

            return new ServicePrincipalCredential(clientId, tenantId) { Certificate = certificate };
        }

        /// <summary>A .pfx/.p12 file (with its password, if any) or, on .NET, a PEM file holding the certificate and its private key.</summary>
        public static ServicePrincipalCredential FromCertificateFile(Guid clientId, string tenantId, string path, char[]? password = null) =>
            FromCertificate(clientId, tenantId, CertificateLoader.FromFile(path, password));

        /// <summary>A certificate in the CurrentUser or LocalMachine "My" store, by SHA-1 thumbprint.</summary>
        public static ServicePrincipalCredential FromCertificateStore(Guid clientId, string tenantId, string thumbprint, StoreLocation location = StoreLocation.CurrentUser) =>
            FromCertificate(clientId, tenantId, CertificateLoader.FromStore(thumbprint, location));

        internal void Clear()
        {
            if (Secret != null)
            {
                Array.Clear(Secret, 0, Secret.Length);
            }
        }
    }

    /// <summary>Knobs of <see cref="EntraTokenProvider"/>. None is needed against the real service.</summary>
    public sealed class EntraTokenProviderOptions
    {
        /// <summary>
        /// Whether MSAL validates the authority through instance discovery. Null (the default): on for the known
        /// Microsoft cloud hosts (login.microsoftonline.com and its sovereign siblings), off for any other host
        /// (a private stand-in, an ADFS-like proxy).
        /// </summary>
        public bool? InstanceDiscovery { get; set; }

        /// <summary>
        /// Test hook: the HttpClient MSAL uses for every call (one instance is reused). Product code leaves it null and
        /// MSAL's own client, with the platform's certificate validation, is used.
        /// </summary>
        public Func<HttpClient>? HttpClientFactory { get; set; }

        /// <summary>Opens the authorize URL for the interactive flow; default <see cref="Interaction.BrowserLauncher"/> ($BROWSER, else the system browser).</summary>
        public Func<Uri, Task>? OpenBrowser { get; set; }

        /// <summary>Told the authorize URL just before the browser opens (to print it for the user).</summary>
        public Action<Uri>? BrowserOpening { get; set; }

        /// <summary>How long the interactive sign-in may take before it fails with EntraSignInTimedOut.</summary>
        public TimeSpan InteractiveTimeout { get; set; } = TimeSpan.FromMinutes(5);

        /// <summary>Verbose diagnostics (no tokens, no personal data). Called on MSAL's threads.</summary>
        public Action<string>? Verbose { get; set; }

        /// <summary>For a confidential registration that signs with a certificate instead of a client secret.</summary>
        public X509Certificate2? ClientCertificate { get; set; }

        /// <summary>Send the certificate chain (x5c) with client assertions (subject name/issuer authentication).</summary>
        public bool SendCertificateChain { get; set; }

        /// <summary>The HTML MSAL's loopback listener answers the browser with after a successful sign-in.</summary>
        public string SuccessPage { get; set; } = "<html><head><title>PfaAzureDevOps</title></head><body><h1>Signed in</h1><p>You may close this window and return to PowerShell.</p></body></html>";
    }
}
