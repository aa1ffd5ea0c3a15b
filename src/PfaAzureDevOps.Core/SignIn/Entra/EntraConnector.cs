using System;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Registration;
using PfaAzureDevOps.Core.Rest;
using PfaAzureDevOps.Core.Storage;

namespace PfaAzureDevOps.Core.SignIn.Entra
{
    /// <summary>What Connect-PfaAzureDevOps asks of an Entra ID sign-in.</summary>
    public sealed class EntraConnectRequest
    {
        public EntraFlow Flow { get; set; } = EntraFlow.Interactive;

        public ConnectOptions Options { get; set; } = new ConnectOptions();

        /// <summary>AccessToken flow: the token (cleared by the caller).</summary>
        public char[]? AccessToken { get; set; }

        /// <summary>ServicePrincipal: the client ID (default: the registration's) and tenant (default: the registration's).</summary>
        public Guid? ClientId { get; set; }

        public string? TenantId { get; set; }

        public char[]? ClientSecret { get; set; }

        public string? CertificateThumbprint { get; set; }

        public string? CertificatePath { get; set; }

        /// <summary>ManagedIdentity: the user-assigned identity's client ID (null: system-assigned).</summary>
        public string? ManagedIdentityClientId { get; set; }

        /// <summary>Device code: shows the code (on the pipeline thread).</summary>
        public Func<DeviceCodePrompt, Task>? DeviceCodePrompt { get; set; }

        public Action<string>? Log { get; set; }

        /// <summary>Interactive: how long to wait for the browser.</summary>
        public TimeSpan? InteractiveTimeout { get; set; }
    }

    /// <summary>
    /// Entra ID connections in the connection store: sign-in through <see cref="EntraTokenProvider"/>, the record in
    /// connection.json (the access token in the vault; MSAL keeps the refresh token in its own cache), renewal and sign-out.
    /// Only reached for EntraId registrations or connections, so MSAL never loads on the Azure DevOps OAuth path.
    /// </summary>
    public static class EntraConnector
    {
        private const string VerifierPrefix = "entra-pkce-";

        public static EntraTokenProviderOptions Options(Action<string>? log) => new EntraTokenProviderOptions { Verbose = log };

        /// <summary>Signs in with a non-callback flow and records the connection.</summary>
        public static async Task<ConnectionDocument> ConnectAsync(ConnectionService service, RegistrationService registrations, AppRegistration registration, EntraConnectRequest request, CancellationToken cancellationToken)
        {
            EntraToken token;
            var document = NewDocument(registrations, registration, request.Flow);
            switch (request.Flow)
            {
                case EntraFlow.AccessToken:
                    token = EntraTokenProvider.FromAccessToken(request.AccessToken ?? throw new ArgumentException("No access token.", nameof(request)));
                    if (token.ExpiresOn.HasValue && token.ExpiresOn.Value <= DateTimeOffset.UtcNow)
                    {
                        throw new PfaException(ErrorIds.EntraAccessTokenExpired, PfaErrorKind.InvalidArgument, $"The access token expired at {token.ExpiresOn.Value:u}. Pass a current one (in Azure Pipelines: $(System.AccessToken) of this job).", "AccessToken");
                    }

                    break;

                case EntraFlow.ServicePrincipal:
                    {
                        Guid clientId = request.ClientId ?? registration.ClientId;
                        string tenant = request.TenantId ?? registration.TenantId ?? throw new PfaException(ErrorIds.EntraTenantRequired, PfaErrorKind.InvalidArgument, "A service principal signs in to one tenant: give -TenantId (or register the app with -TenantId).", "TenantId");
                        document.ClientId = clientId;
                        document.TenantId = tenant;
                        document.CertificatePath = request.CertificatePath;
                        document.CertificateThumbprint = request.CertificateThumbprint;
                        ServicePrincipalCredential credential = Credential(clientId, tenant, request.ClientSecret, request.CertificateThumbprint, request.CertificatePath);
                        // Always asks Entra: a token in MSAL's app cache says nothing about the secret given now.
                        token = await EntraTokenProvider.AcquireForServicePrincipalAsync(credential, registration.AuthorizationServer, service.Store, Options(request.Log), forceRefresh: true, cancellationToken).ConfigureAwait(false);
                        if (request.ClientSecret != null)
                        {
                            document.ServicePrincipalSecret = "entra-sp-secret-" + Guid.NewGuid().ToString("N").Substring(0, 12);
                            service.Storage.WriteSecret(document.ServicePrincipalSecret, new string(request.ClientSecret));
                        }

                        break;
                    }

                case EntraFlow.ManagedIdentity:
                    document.ManagedIdentityClientId = request.ManagedIdentityClientId;
                    token = await EntraTokenProvider.AcquireForManagedIdentityAsync(request.ManagedIdentityClientId, Options(request.Log), cancellationToken).ConfigureAwait(false);
                    break;

                case EntraFlow.DeviceCode:
                    token = await Provider(registrations, registration, request.Log).AcquireWithDeviceCodeAsync(request.DeviceCodePrompt ?? (_ => Task.CompletedTask), cancellationToken: cancellationToken).ConfigureAwait(false);
                    break;

                default:
                    EntraTokenProviderOptions interactive = Options(request.Log);
                    interactive.InteractiveTimeout = request.InteractiveTimeout ?? interactive.InteractiveTimeout;
                    token = await EntraTokenProvider.Create(registrations, registration, WithCertificate(interactive, registration)).AcquireInteractiveAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                    break;
            }

            ConnectionDocument recorded = await RecordAsync(service, document, token, request.Options, registration.AuthorizationServer, registration.Scopes, request.Log, cancellationToken).ConfigureAwait(false);
            return await KeepOnlyAccountAsync(recorded, registrations, registration, request.Log).ConfigureAwait(false);
        }

        /// <summary>
        /// Connects with a token the caller already holds (a pipeline's System.AccessToken, a workload-identity token, a
        /// token from another tool) and no registered application: only the organization is needed, as with
        /// Connect-AzAccount -AccessToken. The token is stored as given and returned until it expires; it is never renewed.
        /// </summary>
        public static Task<ConnectionDocument> ConnectWithAccessTokenAsync(ConnectionService service, char[] accessToken, ConnectOptions options, Action<string>? log, CancellationToken cancellationToken)
        {
            string server = RegistrationRules.DefaultAzureDevOpsAuthorizationServer;
            if (options.OrganizationUrl is null && string.IsNullOrWhiteSpace(options.Organization))
            {
                throw new PfaException(ErrorIds.OrganizationRequired, PfaErrorKind.InvalidArgument, "Connecting with -AccessToken and no registered application needs the organization the token is for: add -Organization <name> (or -OrganizationUrl <url>).", "Organization");
            }

            EntraToken token = EntraTokenProvider.FromAccessToken(accessToken ?? throw new ArgumentNullException(nameof(accessToken)));
            Uri profile = AzureDevOpsUrls.Profile(options.ProfileUrl, server);
            var document = new ConnectionDocument
            {
                Provider = IdentityProvider.EntraId,
                ClientId = Guid.TryParse(token.ClientId, out Guid client) ? client : Guid.Empty,
                RegistrationScope = StateScope.CurrentUser,
                AuthorizationServer = server,
                CallbackUrl = server,
                ProfileUrl = profile.AbsoluteUri.TrimEnd('/'),
                Flow = nameof(EntraFlow.AccessToken),
                Generation = 1,
            };
            log?.Invoke("Connecting with the given access token; no application is registered, so it is stored as given and never renewed.");
            return RecordAsync(service, document, token, options, server, Array.Empty<string>(), log, cancellationToken);
        }

        // ---- Confidential client: authorization code + PKCE at the instance callback ----

        /// <summary>Starts a confidential sign-in; the pending state (and the PKCE verifier, in the vault) is saved for the paste path.</summary>
        public static async Task<Uri> BeginAuthorizationAsync(ConnectionService service, RegistrationService registrations, AppRegistration registration, Action<string>? log, CancellationToken cancellationToken)
        {
            EntraAuthorizationRequest request = await Provider(registrations, registration, log).CreateAuthorizationRequestAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            string verifierName = VerifierPrefix + Guid.NewGuid().ToString("N").Substring(0, 12);
            service.Storage.WriteSecret(verifierName, request.CodeVerifier);
            DropPendingVerifier(service);
            var pending = new PendingAuthorization
            {
                ClientId = registration.ClientId,
                State = request.State,
                AuthorizationServer = registration.AuthorizationServer,
                CallbackUrl = registration.CallbackUrl,
                Scopes = registration.Scopes.ToList(),
                CreatedOn = DateTimeOffset.UtcNow,
                CodeVerifierSecret = verifierName,
            };
            service.Pending.Save(pending);
            return request.Url;
        }

        /// <summary>Redeems the address the browser ended on at the instance callback, then records the connection.</summary>
        public static async Task<ConnectionDocument> CompleteAuthorizationAsync(ConnectionService service, RegistrationService registrations, AppRegistration registration, Uri returned, ConnectOptions options, Action<string>? log, CancellationToken cancellationToken)
        {
            PendingAuthorization? pending = service.Pending.Read();
            if (pending is null || pending.CodeVerifierSecret is null)
            {
                throw new PfaException(ErrorIds.NoPendingAuthorization, PfaErrorKind.InvalidOperation, "No Microsoft Entra ID sign-in is waiting for an answer in this account. Run Connect-PfaAzureDevOps -NoBrowser to get a sign-in link, sign in, then pass the address the browser ended on with -CallbackUri.", service.Store.GetPath(PendingAuthorization.FileName));
            }

            if (DateTimeOffset.UtcNow - pending.CreatedOn > PendingAuthorization.Lifetime || pending.ClientId != registration.ClientId)
            {
                DropPendingVerifier(service);
                service.Pending.Delete();
                throw new PfaException(ErrorIds.PendingAuthorizationExpired, PfaErrorKind.InvalidOperation, $"The sign-in link was made more than {PendingAuthorization.Lifetime.TotalMinutes:0} minutes ago or for another application. Run Connect-PfaAzureDevOps -NoBrowser again for a new link.", service.Store.GetPath(PendingAuthorization.FileName));
            }

            byte[]? verifierBytes = service.Vault.Read(pending.CodeVerifierSecret);
            if (verifierBytes is null)
            {
                throw new PfaException(ErrorIds.NoPendingAuthorization, PfaErrorKind.InvalidOperation, "The pending sign-in's PKCE verifier is gone. Run Connect-PfaAzureDevOps -NoBrowser again for a new link.", service.Store.GetPath(PendingAuthorization.FileName));
            }

            string verifier = Encoding.UTF8.GetString(verifierBytes);
            Array.Clear(verifierBytes, 0, verifierBytes.Length);
            var request = new EntraAuthorizationRequest(returned, pending.State, verifier, registration.CallbackUrl);
            EntraToken token = await Provider(registrations, registration, log).RedeemAuthorizationCodeAsync(request, returned, cancellationToken).ConfigureAwait(false);
            DropPendingVerifier(service);
            ConnectionDocument document = NewDocument(registrations, registration, EntraFlow.AuthorizationCode);
            ConnectionDocument recorded = await RecordAsync(service, document, token, options, registration.AuthorizationServer, registration.Scopes, log, cancellationToken).ConfigureAwait(false);
            return await KeepOnlyAccountAsync(recorded, registrations, registration, log).ConfigureAwait(false);
        }

        // ---- Sign-out (renewal: EntraRenewal) ----

        /// <summary>Clears MSAL's cache of the connection's account (user flows); returns how many accounts were removed.</summary>
        public static async Task<int> SignOutAsync(ConnectionDocument document, Action<string>? log)
        {
            EntraFlow flow = ParseFlow(document.Flow);
            if (flow != EntraFlow.Interactive && flow != EntraFlow.DeviceCode && flow != EntraFlow.AuthorizationCode && flow != EntraFlow.Silent)
            {
                return 0;
            }

            RegistrationService registrations = RegistrationLookup.For(document, out AppRegistration registration);
            return await Provider(registrations, registration, log).SignOutAsync(document.EntraAccount).ConfigureAwait(false);
        }

        /// <summary>Deletes the service principal secret kept for renewal.</summary>
        public static void ForgetSecrets(ConnectionService service, ConnectionDocument document)
        {
            if (document.ServicePrincipalSecret != null)
            {
                service.Vault.Delete(document.ServicePrincipalSecret);
            }
        }

        // ---- internals ----

        internal static EntraTokenProvider Provider(RegistrationService registrations, AppRegistration registration, Action<string>? log) =>
            EntraTokenProvider.Create(registrations, registration, WithCertificate(Options(log), registration));

        /// <summary>Loads the registration's certificate (if it has one) into the options: the confidential flows then sign with it.</summary>
        private static EntraTokenProviderOptions WithCertificate(EntraTokenProviderOptions options, AppRegistration registration)
        {
            if (!string.IsNullOrEmpty(registration.CertificatePath))
            {
                options.ClientCertificate = CertificateLoader.FromFile(registration.CertificatePath!, null);
            }
            else if (!string.IsNullOrEmpty(registration.CertificateThumbprint))
            {
                options.ClientCertificate = CertificateLoader.FromStore(registration.CertificateThumbprint!, System.Security.Cryptography.X509Certificates.StoreLocation.CurrentUser);
            }

            return options;
        }

        internal static ServicePrincipalCredential Credential(Guid clientId, string tenant, char[]? secret, string? thumbprint, string? path)
        {
            if (!string.IsNullOrEmpty(path))
            {
                return ServicePrincipalCredential.FromCertificateFile(clientId, tenant, path!);
            }

            if (!string.IsNullOrEmpty(thumbprint))
            {
                return ServicePrincipalCredential.FromCertificateStore(clientId, tenant, thumbprint!);
            }

            if (secret is null || secret.Length == 0)
            {
                throw new PfaException(ErrorIds.ClientSecretRequired, PfaErrorKind.InvalidArgument, "A service principal signs in with -ClientSecret, -CertificateThumbprint or -CertificatePath.", "ClientSecret");
            }

            return ServicePrincipalCredential.FromSecret(clientId, tenant, secret);
        }

        /// <summary>Only the connected account stays in MSAL's user cache: a replaced user cannot come back silently.</summary>
        private static async Task<ConnectionDocument> KeepOnlyAccountAsync(ConnectionDocument document, RegistrationService registrations, AppRegistration registration, Action<string>? log)
        {
            if (document.EntraAccount == null || MsalCacheNames.ForConnection(document).Count == 0 || document.Flow == nameof(EntraFlow.ServicePrincipal))
            {
                return document;
            }

            try
            {
                int others = await Provider(registrations, registration, log).SignOutOthersAsync(document.EntraAccount).ConfigureAwait(false);
                if (others > 0)
                {
                    log?.Invoke($"Removed {others} other account(s) from MSAL's token cache.");
                }
            }
            catch (EntraSignInException ex)
            {
                log?.Invoke("Other accounts could not be removed from MSAL's token cache: " + ex.Message);
            }

            return document;
        }

        internal static EntraFlow ParseFlow(string? flow) =>
            Enum.TryParse(flow, ignoreCase: true, out EntraFlow parsed) ? parsed : EntraFlow.Interactive;

        private static ConnectionDocument NewDocument(RegistrationService registrations, AppRegistration registration, EntraFlow flow) => new ConnectionDocument
        {
            Provider = IdentityProvider.EntraId,
            ClientId = registration.ClientId,
            RegistrationScope = registrations.Store.Scope,
            AuthorizationServer = EntraAuthority.For(registration).AbsoluteUri.TrimEnd('/'),
            CallbackUrl = registration.CallbackUrl,
            ProfileUrl = registration.AuthorizationServer.TrimEnd('/'),
            Flow = flow.ToString(),
            TenantId = registration.TenantId,
            Generation = 1,
        };

        private static async Task<ConnectionDocument> RecordAsync(ConnectionService service, ConnectionDocument document, EntraToken token, ConnectOptions options, string authorizationServer, System.Collections.Generic.IEnumerable<string> defaultScopes, Action<string>? log, CancellationToken cancellationToken)
        {
            JsonElement? claims = SuppliedAccessToken.ReadClaims(token.AccessToken);
            string? Claim(string name) => claims is JsonElement c && c.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            document.TenantId = token.TenantId ?? Claim("tid") ?? document.TenantId;
            document.UserId = token.ObjectId ?? Claim("oid") ?? token.ClientId ?? document.ClientId.ToString("D");
            document.UserEmail = token.Username ?? Claim("upn") ?? Claim("preferred_username") ?? Claim("unique_name");
            if (document.Flow == nameof(EntraFlow.AccessToken) && document.ClientId == Guid.Empty && token.ObjectId is null && token.ClientId is null && Claim("oid") is null)
            {
                // A supplied token that names nobody (not a JWT, or no such claims), with no application behind it.
                document.UserId = "unknown";
            }

            document.UserDisplayName = Claim("name") ?? document.UserEmail ?? (document.Flow == nameof(EntraFlow.ManagedIdentity) ? "managed identity " + document.UserId : document.Flow == nameof(EntraFlow.ServicePrincipal) ? "service principal " + document.ClientId : document.UserId == "unknown" ? "the token's owner (the token does not say who)" : document.UserId);
            document.EntraAccount = token.AccountId;
            if (document.Flow == nameof(EntraFlow.ManagedIdentity) && Guid.TryParse(token.ClientId ?? Claim("appid"), out Guid miClient))
            {
                document.ClientId = miClient;
            }

            document.Scopes = token.Scopes.Count > 0 ? token.Scopes.ToList() : defaultScopes.ToList();
            document.ConnectedOn = DateTimeOffset.UtcNow;
            document.AccessTokenExpiresOn = token.ExpiresOn ?? DateTimeOffset.UtcNow.AddHours(1);

            Uri? organizationUrl = AzureDevOpsUrls.Organization(options.Organization, options.OrganizationUrl, authorizationServer);
            string? organizationName = options.Organization;
            bool person = document.Flow == nameof(EntraFlow.Interactive) || document.Flow == nameof(EntraFlow.DeviceCode) || document.Flow == nameof(EntraFlow.AuthorizationCode);
            if (organizationUrl is null && person)
            {
                // The Accounts API wants the Azure DevOps member id: the profile's id.
                Uri profileBase = new Uri(document.ProfileUrl);
                string? memberId = null;
                try
                {
                    using (JsonDocument profile = await service.RestClient.GetAsync(new Uri(document.ProfileUrl + "/_apis/profile/profiles/me?api-version=" + AzureDevOpsRestClient.ApiVersion), token.AccessToken, cancellationToken).ConfigureAwait(false))
                    {
                        memberId = AzureDevOpsHttp.ReadString(profile.RootElement, "publicAlias") ?? AzureDevOpsHttp.ReadString(profile.RootElement, "id");
                    }
                }
                catch (PfaException ex) when (ex.Kind != PfaErrorKind.ConnectionError && ex.Kind != PfaErrorKind.OperationTimeout)
                {
                    log?.Invoke($"Your Azure DevOps profile could not be read ({ex.ErrorId}), so your organizations are not looked up.");
                }

                if (memberId != null)
                {
                    DiscoveredOrganizations found = await OrganizationDiscovery.DiscoverAsync(service.RestClient, profileBase, memberId, token.AccessToken, log, cancellationToken).ConfigureAwait(false);
                    document.KnownOrganizations = found.UnavailableReason is null ? found.Names.ToList() : null;
                    if (found.Names.Count == 1)
                    {
                        organizationName = found.Names[0];
                        organizationUrl = AzureDevOpsUrls.Organization(organizationName, null, authorizationServer);
                    }
                }
            }

            if (organizationUrl != null)
            {
                document.OrganizationUrl = organizationUrl.AbsoluteUri.TrimEnd('/');
                document.Organization = string.IsNullOrWhiteSpace(organizationName) ? AzureDevOpsUrls.NameFrom(organizationUrl) : organizationName!.Trim();
                if (document.Flow != nameof(EntraFlow.AccessToken))
                {
                    Uri connectionData = new Uri(document.OrganizationUrl + "/_apis/connectionData");
                    log?.Invoke($"Checking access to the organization at {connectionData.GetLeftPart(UriPartial.Path)}.");
                    using (JsonDocument data = await service.RestClient.GetAsync(connectionData, token.AccessToken, cancellationToken).ConfigureAwait(false))
                    {
                        document.OrganizationId = OrganizationAccess.ReadOrganizationId(data.RootElement, connectionData);
                    }
                }
            }

            service.Storage.Replace(document, token.AccessToken, null, cancellationToken);
            return document;
        }

        private static void DropPendingVerifier(ConnectionService service)
        {
            try
            {
                PendingAuthorization? old = service.Pending.Read();
                if (old?.CodeVerifierSecret != null)
                {
                    service.Vault.Delete(old.CodeVerifierSecret);
                }
            }
            catch (PfaException)
            {
                // An unreadable pending file is replaced anyway.
            }
        }
    }
}
