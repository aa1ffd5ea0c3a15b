using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Registration;
using PfaAzureDevOps.Core.Rest;

namespace PfaAzureDevOps.Core.SignIn.Entra
{
    /// <summary>
    /// Records one Microsoft Entra ID sign-in as the user's connection: the document (who, which tenant and flow), the
    /// organization (given, or the only one the Accounts API finds for a person; checked with connectionData), the access
    /// token in the vault (MSAL keeps the refresh token in its own cache), and only the connected account left in MSAL's
    /// user cache. Each Entra provider makes one for its sign-in; only reached for Entra ID, so MSAL never loads on the
    /// Azure DevOps OAuth path.
    /// </summary>
    internal sealed class EntraConnectionRecorder
    {
        private readonly UserConnection _connection;
        private readonly RegistrationService? _registrations;
        private readonly AppRegistration? _registration;
        private readonly ConnectOptions _options;
        private readonly Action<string>? _log;

        /// <summary>
        /// For a provider's sign-in: the context's connection, options and Entra ID registration (none for a supplied token
        /// without one: no application, or an Azure DevOps OAuth one).
        /// </summary>
        public EntraConnectionRecorder(SignInContext context, Action<string>? log)
        {
            _connection = context.Connections;
            _registrations = context.IsEntra ? context.Registrations : null;
            _registration = context.IsEntra ? context.Registration : null;
            _options = context.Request.Options;
            _log = log;
        }

        /// <summary>The document of a sign-in through the registered Entra ID application.</summary>
        public ConnectionDocument NewDocument(EntraFlow flow)
        {
            RegistrationService registrations = _registrations ?? throw new InvalidOperationException("No registration.");
            AppRegistration registration = _registration ?? throw new InvalidOperationException("No registration.");
            return new ConnectionDocument
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
        }

        /// <summary>
        /// Completes <paramref name="document"/> from the token and the organization, replaces the stored connection with
        /// it, and (with a registration) leaves only its account in MSAL's user cache.
        /// </summary>
        public async Task<ConnectionDocument> RecordAsync(ConnectionDocument document, EntraToken token, CancellationToken cancellationToken)
        {
            string authorizationServer = _registration?.AuthorizationServer ?? RegistrationRules.DefaultAzureDevOpsAuthorizationServer;
            Describe(document, token, _registration?.Scopes ?? Enumerable.Empty<string>());
            await SettleOrganizationAsync(document, token, authorizationServer, cancellationToken).ConfigureAwait(false);
            _connection.Storage.Replace(document, token.AccessToken, null, cancellationToken);
            if (_registration != null)
            {
                await KeepOnlyAccountAsync(document).ConfigureAwait(false);
            }

            return document;
        }

        /// <summary>Who connected, from the token (MSAL's account, else the access token's claims), and until when.</summary>
        private static void Describe(ConnectionDocument document, EntraToken token, IEnumerable<string> defaultScopes)
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
        }

        /// <summary>The organization given; else, for a person, the only one the Accounts API finds (several: the list, for the choice after sign-in).</summary>
        private async Task SettleOrganizationAsync(ConnectionDocument document, EntraToken token, string authorizationServer, CancellationToken cancellationToken)
        {
            AzureDevOpsRestClient rest = _connection.RestClient;
            Uri? organizationUrl = AzureDevOpsUrls.Organization(_options.Organization, _options.OrganizationUrl, authorizationServer);
            string? organizationName = _options.Organization;
            bool person = document.Flow == nameof(EntraFlow.Interactive) || document.Flow == nameof(EntraFlow.DeviceCode) || document.Flow == nameof(EntraFlow.AuthorizationCode);
            if (organizationUrl is null && person)
            {
                // The Accounts API wants the Azure DevOps member id: the profile's id.
                Uri profileBase = new Uri(document.ProfileUrl);
                string? memberId = null;
                try
                {
                    using (JsonDocument profile = await rest.GetAsync(new Uri(document.ProfileUrl + "/_apis/profile/profiles/me?api-version=" + AzureDevOpsRestClient.ApiVersion), token.AccessToken, cancellationToken).ConfigureAwait(false))
                    {
                        memberId = AzureDevOpsHttp.ReadString(profile.RootElement, "publicAlias") ?? AzureDevOpsHttp.ReadString(profile.RootElement, "id");
                    }
                }
                catch (PfaException ex) when (ex.Kind != PfaErrorKind.ConnectionError && ex.Kind != PfaErrorKind.OperationTimeout)
                {
                    _log?.Invoke($"Your Azure DevOps profile could not be read ({ex.ErrorId}), so your organizations are not looked up.");
                }

                if (memberId != null)
                {
                    DiscoveredOrganizations found = await OrganizationDiscovery.DiscoverAsync(rest, profileBase, memberId, token.AccessToken, _log, cancellationToken).ConfigureAwait(false);
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
                    _log?.Invoke($"Checking access to the organization at {connectionData.GetLeftPart(UriPartial.Path)}.");
                    using (JsonDocument data = await rest.GetAsync(connectionData, token.AccessToken, cancellationToken).ConfigureAwait(false))
                    {
                        document.OrganizationId = OrganizationAccess.ReadOrganizationId(data.RootElement, connectionData);
                    }
                }
            }
        }

        /// <summary>Only the connected account stays in MSAL's user cache: a replaced user cannot come back silently.</summary>
        private async Task KeepOnlyAccountAsync(ConnectionDocument document)
        {
            if (document.EntraAccount == null || MsalCacheNames.ForConnection(document).Count == 0 || document.Flow == nameof(EntraFlow.ServicePrincipal))
            {
                return;
            }

            try
            {
                int others = await EntraSignIn.TokenProvider(_registrations!, _registration!, _log).SignOutOthersAsync(document.EntraAccount).ConfigureAwait(false);
                if (others > 0)
                {
                    _log?.Invoke($"Removed {others} other account(s) from MSAL's token cache.");
                }
            }
            catch (EntraSignInException ex)
            {
                _log?.Invoke("Other accounts could not be removed from MSAL's token cache: " + ex.Message);
            }
        }
    }
}
