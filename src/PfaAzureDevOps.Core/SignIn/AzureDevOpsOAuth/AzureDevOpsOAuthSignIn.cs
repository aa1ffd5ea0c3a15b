using System;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Registration;
using PfaAzureDevOps.Core.Rest;

namespace PfaAzureDevOps.Core.SignIn.AzureDevOpsOAuth
{
    /// <summary>
    /// Azure DevOps OAuth (an Azure DevOps OAuth application): the consent page in a browser, the code back at the
    /// callback (received on this machine when the callback is a loopback address, else pasted back, or given later with
    /// -CallbackUri), redeemed with the application's client secret. No MSAL anywhere on this path.
    /// </summary>
    public sealed class AzureDevOpsOAuthSignIn : ISignInProvider
    {
        public string Name => "Azure DevOps OAuth";

        public bool CanSignIn(SignInContext context) =>
            context.IsAzureDevOps && (context.Request.Method == SignInMethod.Browser || context.Request.Method == SignInMethod.CallbackUri);

        public async Task<ConnectionDocument?> SignInAsync(SignInContext context, ISignInUser user, CancellationToken cancellationToken)
        {
            SignInRequest request = context.Request;
            AppRegistration registration = context.RequireRegistration();
            RegistrationService registrations = context.RequireRegistrations();
            UserConnection service = context.Connections;
            DateTimeOffset now = DateTimeOffset.UtcNow;

            // Check the URLs before anything is opened or asked.
            AzureDevOpsUrls.Organization(request.Options.Organization, request.Options.OrganizationUrl, registration.AuthorizationServer);
            AzureDevOpsUrls.Profile(request.Options.ProfileUrl, registration.AuthorizationServer);
            user.Verbose($"Application {registration.ClientId} ({registrations.Store.Scope}); callback {registration.CallbackUrl}; scopes {string.Join(" ", registration.Scopes)}.");
            string action = $"Connect through application {registration.ClientId}{(request.Options.Organization != null ? " to organization " + request.Options.Organization : string.Empty)}, replacing any existing connection";

            AuthorizationRequest authorization;
            Uri? returned;
            if (request.Method == SignInMethod.CallbackUri)
            {
                authorization = LoadPending(service.Pending, registration, now);
                if (!user.Confirm(context.Target, action))
                {
                    return null;
                }

                returned = request.ReturnedAddress ?? throw new ArgumentException("No address.", nameof(context));
            }
            else
            {
                authorization = new AuthorizationRequest(new Uri(registration.AuthorizationServer), registration.ClientId, new Uri(registration.CallbackUrl), registration.Scopes);
                bool loopback = BrowserSignIn.CanListenOnLoopback(authorization.CallbackUrl);
                BrowserSignIn.RequireSomeoneToAnswer(authorization.CallbackUrl, request, user, entra: false);
                if (!user.Confirm(context.Target, action))
                {
                    return null;
                }

                const string LinkText = "Open this link to sign in to Azure DevOps and click Accept:";
                if (loopback)
                {
                    returned = await BrowserSignIn.ReceiveRedirectAsync(authorization.AuthorizeUrl, authorization.CallbackUrl, authorization.State, LinkText, request, user, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    SavePending(service.Pending, authorization, now);
                    returned = BrowserSignIn.AskForAddress(authorization.AuthorizeUrl, authorization.CallbackUrl, LinkText, "After clicking Accept", request, user, cancellationToken);
                    if (returned is null)
                    {
                        return null;
                    }
                }
            }

            return await CompleteAsync(service, authorization, returned, registrations, registration, request.Options, user.Verbose, cancellationToken).ConfigureAwait(false);
        }

        private static void SavePending(PendingSignIns pending, AuthorizationRequest request, DateTimeOffset now) => pending.Save(new PendingAuthorization
        {
            ClientId = request.ClientId,
            State = request.State,
            AuthorizationServer = request.AuthorizationServer.AbsoluteUri,
            CallbackUrl = request.CallbackUrl.AbsoluteUri,
            Scopes = request.Scopes.ToList(),
            CreatedOn = now,
        });

        /// <summary>The pending authorization for this registration, checked for age and application.</summary>
        private static AuthorizationRequest LoadPending(PendingSignIns pendingSignIns, AppRegistration registration, DateTimeOffset now)
        {
            PendingAuthorization? pending = pendingSignIns.Read();
            if (pending is null)
            {
                throw new PfaException(ErrorIds.NoPendingAuthorization, PfaErrorKind.InvalidOperation, "No sign-in is waiting for an answer in this account. Run Connect-PfaAzureDevOps -NoBrowser to get a sign-in link, open it, click Accept, then pass the address the browser ended on with -CallbackUri.", pendingSignIns.Path);
            }

            if (PendingSignIns.IsStale(pending, registration.ClientId, registration.CallbackUrl, now))
            {
                pendingSignIns.Delete();
                throw pendingSignIns.Expired();
            }

            return new AuthorizationRequest(new Uri(pending.AuthorizationServer), pending.ClientId, new Uri(pending.CallbackUrl), pending.Scopes, pending.State);
        }

        /// <summary>
        /// Finishes a sign-in: checks the returned address, redeems the code, reads who connected (and the organization),
        /// and replaces any previous connection.
        /// </summary>
        private static async Task<ConnectionDocument> CompleteAsync(
            UserConnection service, AuthorizationRequest request, Uri returned, RegistrationService registrations, AppRegistration registration,
            ConnectOptions options, Action<string>? log, CancellationToken cancellationToken)
        {
            string code = request.ReadCode(returned);
            Uri? organizationUrl = AzureDevOpsUrls.Organization(options.Organization, options.OrganizationUrl, registration.AuthorizationServer);
            Uri profileBase = AzureDevOpsUrls.Profile(options.ProfileUrl, registration.AuthorizationServer);

            TokenResponse tokens;
            char[] secret = registrations.ReadClientSecret(registration) ?? throw AzureDevOpsOAuthRefresh.ClientSecretMissing(registrations);
            try
            {
                log?.Invoke($"Redeeming the authorization code at {OAuthTokenClient.TokenEndpoint(request.AuthorizationServer)}.");
                tokens = await service.TokenClient.RedeemCodeAsync(request.AuthorizationServer, secret, code, request.CallbackUrl, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Array.Clear(secret, 0, secret.Length);
            }

            var document = new ConnectionDocument
            {
                Provider = registration.Provider,
                ClientId = registration.ClientId,
                RegistrationScope = registrations.Store.Scope,
                AuthorizationServer = request.AuthorizationServer.AbsoluteUri.TrimEnd('/'),
                CallbackUrl = request.CallbackUrl.AbsoluteUri,
                ProfileUrl = profileBase.AbsoluteUri.TrimEnd('/'),
                Scopes = (tokens.Scope ?? string.Join(" ", request.Scopes)).Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries).ToList(),
                ConnectedOn = DateTimeOffset.UtcNow,
                AccessTokenExpiresOn = tokens.ExpiresOn,
                Generation = 1,
            };

            Uri profileUrl = new Uri(document.ProfileUrl + "/_apis/profile/profiles/me?api-version=" + AzureDevOpsRestClient.ApiVersion);
            log?.Invoke($"Reading who connected from {profileUrl.GetLeftPart(UriPartial.Path)}.");
            using (JsonDocument profile = await service.RestClient.GetAsync(profileUrl, tokens.AccessToken, cancellationToken).ConfigureAwait(false))
            {
                document.UserId = AzureDevOpsHttp.ReadString(profile.RootElement, "id") ?? string.Empty;
                document.UserDisplayName = AzureDevOpsHttp.ReadString(profile.RootElement, "displayName");
                document.UserEmail = AzureDevOpsHttp.ReadString(profile.RootElement, "emailAddress");
                document.UserPublicAlias = AzureDevOpsHttp.ReadString(profile.RootElement, "publicAlias");
                if (string.IsNullOrEmpty(document.UserId))
                {
                    throw new PfaException(ErrorIds.ProfileInvalid, PfaErrorKind.ProtocolError, $"The profile at {profileUrl.GetLeftPart(UriPartial.Path)} has no user id. Check -ProfileUrl.", profileUrl.GetLeftPart(UriPartial.Path));
                }
            }

            string? organizationName = options.Organization;
            if (organizationUrl is null)
            {
                DiscoveredOrganizations found = await OrganizationDiscovery.DiscoverAsync(service.RestClient, profileBase, document.UserPublicAlias ?? document.UserId, tokens.AccessToken, log, cancellationToken).ConfigureAwait(false);
                document.KnownOrganizations = found.UnavailableReason is null ? found.Names.ToList() : null;
                if (found.Names.Count == 1)
                {
                    organizationName = found.Names[0];
                    organizationUrl = AzureDevOpsUrls.Organization(organizationName, null, registration.AuthorizationServer);
                }
            }

            if (organizationUrl != null)
            {
                await OrganizationAccess.CheckAsync(service.RestClient, document, organizationName, organizationUrl, tokens.AccessToken, log, cancellationToken).ConfigureAwait(false);
            }

            service.Storage.Replace(document, tokens.AccessToken, tokens.RefreshToken, cancellationToken);
            return document;
        }
    }
}
