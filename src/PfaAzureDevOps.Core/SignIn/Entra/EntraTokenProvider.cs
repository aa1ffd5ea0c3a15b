// Over 450 lines: not yet split by responsibility. The split is the structure step (issue 12); see
// docs/ARCHITECTURE.md, "Known structural debt", for what goes where.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Identity.Client;
using Microsoft.Identity.Client.AppConfig;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Interaction;
using PfaAzureDevOps.Core.Registration;
using PfaAzureDevOps.Core.Storage;

namespace PfaAzureDevOps.Core.SignIn.Entra
{
    /// <summary>
    /// Azure DevOps access tokens from Microsoft Entra ID through MSAL.NET, for an instance's registered Entra app:
    /// interactive (system browser, loopback) and device code for public clients, authorization code + PKCE for
    /// confidential clients, silent renewal from MSAL's cache (serialized into the user's vault, under the store's
    /// cross-process lock), service principals and managed identities. Every failure is an
    /// <see cref="EntraSignInException"/>; cancellation by the caller's token is an <see cref="OperationCanceledException"/>.
    /// Only this type (and the Identity types it uses) touch MSAL; nothing here runs on import.
    /// </summary>
    public sealed class EntraTokenProvider
    {
        /// <summary>The Azure DevOps resource (application) ID.</summary>
        public const string AzureDevOpsResource = RegistrationRules.AzureDevOpsResourceId;

        /// <summary>The scope of app-only tokens (service principal, managed identity) for Azure DevOps.</summary>
        public const string AzureDevOpsDefaultScope = AzureDevOpsResource + "/.default";

        private const string PublicRedirectUri = "http://localhost";

        private readonly Func<char[]?>? _clientSecret;
        private readonly EntraTokenProviderOptions _options;
        private readonly StateStore _userStore;
        private readonly Uri _authority;
        private readonly MsalTokenCacheStore _userCache;
        private IPublicClientApplication? _public;
        private IConfidentialClientApplication? _confidential;

        /// <param name="registration">The stored Entra registration (Provider EntraId).</param>
        /// <param name="userStore">The user's store (CurrentUser): MSAL's token cache lives in its vault.</param>
        /// <param name="clientSecret">For a confidential registration: reads the client secret when needed (cleared after use).</param>
        /// <param name="options">Test hooks and knobs; null for the defaults.</param>
        public EntraTokenProvider(AppRegistration registration, StateStore userStore, Func<char[]?>? clientSecret = null, EntraTokenProviderOptions? options = null)
        {
            Registration = registration ?? throw new ArgumentNullException(nameof(registration));
            if (registration.Provider != IdentityProvider.EntraId)
            {
                throw new PfaException(ErrorIds.NotAnEntraRegistration, PfaErrorKind.InvalidOperation, "The registered application is an Azure DevOps OAuth application, not a Microsoft Entra ID one; it signs in without MSAL.", registration.ClientId);
            }

            _userStore = userStore ?? throw new ArgumentNullException(nameof(userStore));
            _clientSecret = clientSecret;
            _options = options ?? new EntraTokenProviderOptions();
            _authority = EntraAuthority.For(registration);
            Scopes = registration.Scopes.ToArray();
            _userCache = new MsalTokenCacheStore(userStore, MsalCacheNames.User(registration.ClientId, _authority), _options.Verbose);
        }

        /// <summary>A provider for the registration of <paramref name="registrations"/>, its cache in the current user's store.</summary>
        public static EntraTokenProvider Create(RegistrationService registrations, AppRegistration registration, EntraTokenProviderOptions? options = null) =>
            new EntraTokenProvider(registration, new StateStore(StateScope.CurrentUser), () => registrations.ReadClientSecret(registration), options);

        public AppRegistration Registration { get; }

        /// <summary>The scopes asked for user tokens (the registration's).</summary>
        public IReadOnlyList<string> Scopes { get; }

        public Uri Authority => _authority;

        /// <summary>True when the registration is a confidential client (<see cref="EntraClient.IsConfidential"/>; or the options carry a certificate): the confidential flows apply.</summary>
        public bool IsConfidential => EntraClient.IsConfidential(Registration, _options.ClientCertificate != null);

        /// <summary>Whether the token cache is encrypted by the platform (false: an owner-only file; warn the user once).</summary>
        public bool IsCacheProtected => _userCache.Vault.IsProtected;

        /// <summary>The secret name of the user-token cache in the user's vault.</summary>
        public string CacheSecretName => _userCache.SecretName;

        // ------------------------------------------------------------------ user flows

        /// <summary>
        /// A token from the cache, refreshed with the cached refresh token if needed. Null when no account is cached
        /// (never signed in, or signed out); throws <see cref="EntraSignInException"/> when the refresh is refused
        /// (the message says to reconnect; <see cref="EntraSignInException.Claims"/> carries a conditional-access challenge).
        /// </summary>
        public Task<EntraToken?> TryAcquireSilentAsync(string? account = null, CancellationToken cancellationToken = default) =>
            TryAcquireSilentAsync(account, forceRefresh: false, cancellationToken);

        /// <summary>As <see cref="TryAcquireSilentAsync(string?, CancellationToken)"/>; <paramref name="forceRefresh"/> skips the cached access token and redeems the refresh token.</summary>
        public async Task<EntraToken?> TryAcquireSilentAsync(string? account, bool forceRefresh, CancellationToken cancellationToken = default)
        {
            IClientApplicationBase app = IsConfidential ? (IClientApplicationBase)Confidential() : Public();
            try
            {
                return await SilentAsync(app, account, cancellationToken, forceRefresh).ConfigureAwait(false);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException) && !(ex is PfaException))
            {
                throw EntraErrors.Map(ex, Context(EntraFlow.Silent));
            }
        }

        /// <summary>
        /// Signs in through the system browser (public client, loopback redirect http://localhost:{port}); tries the cache
        /// first unless <paramref name="claims"/> is given. The browser is opened with $BROWSER or the system browser
        /// (see <see cref="EntraTokenProviderOptions.OpenBrowser"/>); fails after <see cref="EntraTokenProviderOptions.InteractiveTimeout"/>.
        /// </summary>
        public async Task<EntraToken> AcquireInteractiveAsync(string? loginHint = null, string? claims = null, CancellationToken cancellationToken = default)
        {
            if (IsConfidential)
            {
                throw new PfaException(ErrorIds.EntraConfidentialClientInteractive, PfaErrorKind.InvalidOperation, "The registered Entra app is a confidential client (it has a client secret): its users sign in through the instance's callback (CreateAuthorizationRequestAsync, then RedeemAuthorizationCodeAsync), not MSAL's loopback.", Registration.ClientId);
            }

            IPublicClientApplication app = Public();
            EntraContext context = Context(EntraFlow.Interactive);
            if (claims == null)
            {
                EntraToken? cached = await SilentBeforeInteractionAsync(app, loginHint, context, c => claims = c, cancellationToken).ConfigureAwait(false);
                if (cached != null)
                {
                    return cached;
                }
            }

            using (var timeout = new CancellationTokenSource(_options.InteractiveTimeout))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
            {
                AcquireTokenInteractiveParameterBuilder builder = app.AcquireTokenInteractive(Scopes)
                    .WithUseEmbeddedWebView(false)
                    .WithPrompt(Prompt.SelectAccount)
                    .WithSystemWebViewOptions(new SystemWebViewOptions
                    {
                        OpenBrowserAsync = OpenBrowserAsync,
                        HtmlMessageSuccess = _options.SuccessPage,
                    });
                if (!string.IsNullOrEmpty(loginHint))
                {
                    builder = builder.WithLoginHint(loginHint);
                }

                if (claims != null)
                {
                    builder = builder.WithClaims(claims);
                }

                try
                {
                    AuthenticationResult result = await builder.ExecuteAsync(linked.Token).ConfigureAwait(false);
                    return Convert(result, EntraFlow.Interactive);
                }
                catch (Exception ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested && (ex is OperationCanceledException || ex is MsalException))
                {
                    throw EntraErrors.New(ErrorIds.EntraSignInTimedOut, PfaErrorKind.OperationTimeout,
                        $"The browser sign-in did not complete within {_options.InteractiveTimeout.TotalMinutes:0.#} minutes. Run Connect-PfaAzureDevOps again and finish signing in, or use -UseDeviceCode if no browser is available here.",
                        context, ex);
                }
                catch (Exception ex) when (!(ex is OperationCanceledException))
                {
                    throw Unwrap(ex) ?? EntraErrors.Map(ex, context);
                }
            }
        }

        /// <summary>
        /// Signs in with the device code flow: <paramref name="prompt"/> receives the code and the sentence to show; polling
        /// stops when <paramref name="cancellationToken"/> is cancelled (OperationCanceledException). Tries the cache first
        /// unless <paramref name="claims"/> is given.
        /// </summary>
        public async Task<EntraToken> AcquireWithDeviceCodeAsync(Func<DeviceCodePrompt, Task> prompt, string? claims = null, string? account = null, CancellationToken cancellationToken = default)
        {
            if (prompt is null)
            {
                throw new ArgumentNullException(nameof(prompt));
            }

            IPublicClientApplication app = Public();
            EntraContext context = Context(EntraFlow.DeviceCode);
            if (claims == null)
            {
                EntraToken? cached = await SilentBeforeInteractionAsync(app, account, context, c => claims = c, cancellationToken).ConfigureAwait(false);
                if (cached != null)
                {
                    return cached;
                }
            }

            AcquireTokenWithDeviceCodeParameterBuilder builder = app.AcquireTokenWithDeviceCode(Scopes, code =>
                prompt(new DeviceCodePrompt(code.UserCode, new Uri(code.VerificationUrl), code.Message, code.ExpiresOn)));
            if (claims != null)
            {
                builder = builder.WithClaims(claims);
            }

            try
            {
                AuthenticationResult result = await builder.ExecuteAsync(cancellationToken).ConfigureAwait(false);
                return Convert(result, EntraFlow.DeviceCode);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException) || !cancellationToken.IsCancellationRequested)
            {
                if (ex is OperationCanceledException)
                {
                    throw;
                }

                throw Unwrap(ex) ?? EntraErrors.Map(ex, context);
            }
        }

        /// <summary>
        /// Starts a confidential-client sign-in at the instance's callback: the authorize URL (with PKCE S256 and a fresh
        /// state). Open <see cref="EntraAuthorizationRequest.Url"/> in the user's browser, then redeem what the callback got.
        /// </summary>
        public async Task<EntraAuthorizationRequest> CreateAuthorizationRequestAsync(string? loginHint = null, string? claims = null, CancellationToken cancellationToken = default)
        {
            RequireConfidential();
            IConfidentialClientApplication app = Confidential();
            string state = RandomUrlSafe(32);
            GetAuthorizationRequestUrlParameterBuilder builder = app.GetAuthorizationRequestUrl(Scopes)
                .WithRedirectUri(Registration.CallbackUrl)
                .WithPkce(out string verifier);
            if (!string.IsNullOrEmpty(loginHint))
            {
                builder = builder.WithLoginHint(loginHint);
            }

            var extra = new Dictionary<string, (string, bool)> { ["state"] = (state, false) };
            if (claims != null)
            {
                extra["claims"] = (claims, false);
            }

            try
            {
                Uri url = await builder.WithExtraQueryParameters(extra).ExecuteAsync(cancellationToken).ConfigureAwait(false);
                string? msalState = QueryValue(url, "state");
                return new EntraAuthorizationRequest(url, msalState ?? state, verifier, Registration.CallbackUrl);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException))
            {
                throw EntraErrors.Map(ex, Context(EntraFlow.AuthorizationCode));
            }
        }

        /// <summary>Redeems the address the browser ended on at the instance callback (code, state, or error).</summary>
        public Task<EntraToken> RedeemAuthorizationCodeAsync(EntraAuthorizationRequest request, Uri callback, CancellationToken cancellationToken = default)
        {
            if (callback is null)
            {
                throw new ArgumentNullException(nameof(callback));
            }

            return RedeemCoreAsync(request, QueryValue(callback, "code"), QueryValue(callback, "state"), QueryValue(callback, "error"), QueryValue(callback, "error_description"), cancellationToken);
        }

        /// <summary>Redeems a code (form_post or query fields) after checking the state against the request's.</summary>
        public Task<EntraToken> RedeemAuthorizationCodeAsync(EntraAuthorizationRequest request, string code, string? state, CancellationToken cancellationToken = default) =>
            RedeemCoreAsync(request, code, state, null, null, cancellationToken);

        /// <summary>Forgets the cached user accounts (all, or the one named); returns how many were removed.</summary>
        public async Task<int> SignOutAsync(string? account = null)
        {
            IClientApplicationBase app = IsConfidential ? (IClientApplicationBase)Confidential() : Public();
            int removed = 0;
            foreach (IAccount a in (await app.GetAccountsAsync().ConfigureAwait(false)).ToList())
            {
                if (account == null || Matches(a, account))
                {
                    await app.RemoveAsync(a).ConfigureAwait(false);
                    removed++;
                }
            }

            return removed;
        }

        /// <summary>Forgets every cached user account except <paramref name="keep"/> (a replaced connection's user); returns how many.</summary>
        public async Task<int> SignOutOthersAsync(string? keep)
        {
            IClientApplicationBase app = IsConfidential ? (IClientApplicationBase)Confidential() : Public();
            int removed = 0;
            foreach (IAccount a in (await app.GetAccountsAsync().ConfigureAwait(false)).ToList())
            {
                if (keep == null || !Matches(a, keep))
                {
                    await app.RemoveAsync(a).ConfigureAwait(false);
                    removed++;
                }
            }

            return removed;
        }

        /// <summary>The usernames of the accounts in the cache.</summary>
        public async Task<IReadOnlyList<string>> GetAccountsAsync()
        {
            IClientApplicationBase app = IsConfidential ? (IClientApplicationBase)Confidential() : Public();
            return (await app.GetAccountsAsync().ConfigureAwait(false)).Select(a => a.Username).ToList();
        }

        // ------------------------------------------------------------------ app-only flows

        /// <summary>A token for a service principal, on the registration's authority host; cached in the user's vault.</summary>
        public Task<EntraToken> AcquireForServicePrincipalAsync(ServicePrincipalCredential credential, CancellationToken cancellationToken = default) =>
            AcquireForServicePrincipalAsync(credential, Registration.AuthorizationServer, _userStore, _options, cancellationToken);

        /// <summary>
        /// A token for a service principal (client credentials with a secret or certificate) for Azure DevOps
        /// ({resource}/.default). <paramref name="cacheStore"/>: the store whose vault keeps MSAL's app-token cache (null: in memory).
        /// </summary>
        public static Task<EntraToken> AcquireForServicePrincipalAsync(ServicePrincipalCredential credential, string? authorizationServer, StateStore? cacheStore, EntraTokenProviderOptions? options, CancellationToken cancellationToken = default) =>
            AcquireForServicePrincipalAsync(credential, authorizationServer, cacheStore, options, forceRefresh: false, cancellationToken);

        /// <summary>
        /// As above; <paramref name="forceRefresh"/> skips MSAL's app-token cache and asks Entra, which checks the credential
        /// (Connect does that, so a wrong secret never "succeeds" from the cache; so does -ForceRefresh).
        /// </summary>
        public static async Task<EntraToken> AcquireForServicePrincipalAsync(ServicePrincipalCredential credential, string? authorizationServer, StateStore? cacheStore, EntraTokenProviderOptions? options, bool forceRefresh, CancellationToken cancellationToken = default)
        {
            if (credential is null)
            {
                throw new ArgumentNullException(nameof(credential));
            }

            options ??= new EntraTokenProviderOptions();
            Uri authority = EntraAuthority.For(authorizationServer ?? RegistrationRules.DefaultEntraAuthority, credential.TenantId);
            var context = new EntraContext(credential.ClientId.ToString("D"), credential.TenantId, authority.AbsoluteUri, new[] { AzureDevOpsDefaultScope }, EntraFlow.ServicePrincipal);
            try
            {
                ConfidentialClientApplicationBuilder builder = Configure(ConfidentialClientApplicationBuilder.Create(credential.ClientId.ToString("D")), authority, options);
                if (credential.Certificate != null)
                {
                    builder = builder.WithCertificate(credential.Certificate, sendX5C: options.SendCertificateChain);
                }
                else
                {
                    builder = builder.WithClientSecret(new string(credential.Secret!));
                }

                IConfidentialClientApplication app = builder.Build();
                if (cacheStore != null)
                {
                    new MsalTokenCacheStore(cacheStore, MsalCacheNames.App(credential.ClientId, authority), options.Verbose).Attach(app.AppTokenCache);
                }

                AuthenticationResult result = await app.AcquireTokenForClient(new[] { AzureDevOpsDefaultScope }).WithForceRefresh(forceRefresh).ExecuteAsync(cancellationToken).ConfigureAwait(false);
                EntraToken token = FromAppResult(result, EntraFlow.ServicePrincipal);
                token.ClientId = credential.ClientId.ToString("D");
                return token;
            }
            catch (Exception ex) when (!(ex is OperationCanceledException) && !(ex is PfaException))
            {
                throw EntraErrors.Map(ex, context);
            }
            finally
            {
                credential.Clear();
            }
        }

        /// <summary>
        /// A token for the machine's managed identity (system-assigned, or the user-assigned one with this client ID) for
        /// Azure DevOps, from the endpoint MSAL detects (App Service IDENTITY_ENDPOINT/IDENTITY_HEADER, Arc, IMDS...).
        /// MSAL keeps the detected source and token per process.
        /// </summary>
        public static async Task<EntraToken> AcquireForManagedIdentityAsync(string? userAssignedClientId = null, EntraTokenProviderOptions? options = null, CancellationToken cancellationToken = default)
        {
            options ??= new EntraTokenProviderOptions();
            var context = new EntraContext(userAssignedClientId ?? "(system-assigned)", "(managed identity)", Environment.GetEnvironmentVariable("IDENTITY_ENDPOINT") ?? "the managed identity endpoint", new[] { AzureDevOpsResource }, EntraFlow.ManagedIdentity);
            try
            {
                ManagedIdentityId id = string.IsNullOrWhiteSpace(userAssignedClientId) ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.WithUserAssignedClientId(userAssignedClientId);
                MsalBinding.EnsureOwn();
                ManagedIdentityApplicationBuilder builder = ManagedIdentityApplicationBuilder.Create(id);
                builder = builder.WithHttpClientFactory(HttpClientFor(options));

                if (options.Verbose != null)
                {
                    Action<string> verbose = options.Verbose;
                    builder = builder.WithLogging((level, message, pii) => verbose("MSAL: " + message), LogLevel.Warning, enablePiiLogging: false, enableDefaultPlatformLogging: false);
                }

                AuthenticationResult result = await builder.Build().AcquireTokenForManagedIdentity(AzureDevOpsResource).ExecuteAsync(cancellationToken).ConfigureAwait(false);
                return FromAppResult(result, EntraFlow.ManagedIdentity);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException) && !(ex is PfaException))
            {
                throw EntraErrors.Map(ex, context);
            }
        }

        /// <summary>A token the caller already holds; no network call and no profile check.</summary>
        public static EntraToken FromAccessToken(char[] accessToken) => SuppliedAccessToken.Create(accessToken);

        // ------------------------------------------------------------------ internals

        private async Task<EntraToken> RedeemCoreAsync(EntraAuthorizationRequest request, string? code, string? state, string? error, string? errorDescription, CancellationToken cancellationToken)
        {
            RequireConfidential();
            if (request is null)
            {
                throw new ArgumentNullException(nameof(request));
            }

            EntraContext context = Context(EntraFlow.AuthorizationCode);
            if (!string.Equals(state, request.State, StringComparison.Ordinal))
            {
                throw EntraErrors.New(ErrorIds.EntraStateMismatch, PfaErrorKind.SecurityError,
                    "The sign-in answer does not belong to this sign-in (its state differs), so it was refused: it may be stale or forged. Start the sign-in again and finish it in the same browser.",
                    context, null);
            }

            if (!string.IsNullOrEmpty(error))
            {
                var server = new MsalServiceException(error!, errorDescription ?? error!);
                throw EntraErrors.Map(server, context);
            }

            if (string.IsNullOrEmpty(code))
            {
                throw EntraErrors.New(ErrorIds.EntraSignInFailed, PfaErrorKind.ProtocolError, "The sign-in answer has no authorization code. Start the sign-in again.", context, null);
            }

            try
            {
                AuthenticationResult result = await Confidential().AcquireTokenByAuthorizationCode(Scopes, code)
                    .WithPkceCodeVerifier(request.CodeVerifier)
                    .ExecuteAsync(cancellationToken).ConfigureAwait(false);
                return Convert(result, EntraFlow.AuthorizationCode);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException) && !(ex is PfaException))
            {
                throw EntraErrors.Map(ex, context);
            }
        }

        private async Task<EntraToken?> SilentBeforeInteractionAsync(IClientApplicationBase app, string? account, EntraContext context, Action<string> claimsChallenge, CancellationToken cancellationToken)
        {
            try
            {
                return await SilentAsync(app, account, cancellationToken).ConfigureAwait(false);
            }
            catch (MsalUiRequiredException ex)
            {
                _options.Verbose?.Invoke($"The cached sign-in needs interaction ({ex.ErrorCode}); signing in again.");
                if (!string.IsNullOrEmpty(ex.Claims))
                {
                    claimsChallenge(ex.Claims);
                }

                return null;
            }
            catch (Exception ex) when (!(ex is OperationCanceledException) && !(ex is PfaException))
            {
                throw EntraErrors.Map(ex, context);
            }
        }

        private async Task<EntraToken?> SilentAsync(IClientApplicationBase app, string? account, CancellationToken cancellationToken, bool forceRefresh = false)
        {
            // MSAL holds the cache lock only around cache reads and writes, not across the refresh request. This lock
            // spans the whole silent call, so when many processes renew at once one refreshes and the others then find
            // its fresh token in the cache (refresh tokens rotate; a stale one may be refused).
            using (_userStore.Lock("entra-silent-" + _userCache.SecretName, TimeSpan.FromSeconds(90), cancellationToken))
            {
                List<IAccount> accounts = (await app.GetAccountsAsync().ConfigureAwait(false)).ToList();
                IAccount? chosen = account == null ? accounts.FirstOrDefault() : accounts.FirstOrDefault(a => Matches(a, account));
                if (chosen == null)
                {
                    return null;
                }

                AuthenticationResult result = await app.AcquireTokenSilent(Scopes, chosen).WithForceRefresh(forceRefresh).ExecuteAsync(cancellationToken).ConfigureAwait(false);
                return Convert(result, EntraFlow.Silent);
            }
        }

        private static bool Matches(IAccount a, string hint) =>
            string.Equals(a.Username, hint, StringComparison.OrdinalIgnoreCase) ||
            string.Equals(a.HomeAccountId?.Identifier, hint, StringComparison.OrdinalIgnoreCase) ||
            string.Equals(a.HomeAccountId?.ObjectId, hint, StringComparison.OrdinalIgnoreCase);

        private async Task OpenBrowserAsync(Uri url)
        {
            _options.BrowserOpening?.Invoke(url);
            if (_options.OpenBrowser != null)
            {
                await _options.OpenBrowser(url).ConfigureAwait(false);
                return;
            }

            if (BrowserLauncher.Open(url) is null)
            {
                throw EntraErrors.New(ErrorIds.EntraBrowserUnavailable, PfaErrorKind.ResourceUnavailable,
                    "No web browser could be started for the sign-in. Use -UseDeviceCode (sign in from another device's browser), or set $env:BROWSER to a browser command.",
                    Context(EntraFlow.Interactive), null);
            }
        }

        private static EntraSignInException? Unwrap(Exception ex)
        {
            for (Exception? e = ex; e != null; e = e.InnerException)
            {
                if (e is EntraSignInException s)
                {
                    return s;
                }
            }

            return null;
        }

        private void RequireConfidential()
        {
            if (!IsConfidential)
            {
                throw new PfaException(ErrorIds.EntraPublicClientAuthorizationCode, PfaErrorKind.InvalidOperation, "The registered Entra app is a public client (no client secret): it signs in with the browser loopback or device code, not at the instance's callback.", Registration.ClientId);
            }
        }

        private IPublicClientApplication Public()
        {
            if (_public == null)
            {
                try
                {
                    PublicClientApplicationBuilder builder = Configure(PublicClientApplicationBuilder.Create(Registration.ClientId.ToString("D")), _authority, _options)
                        .WithRedirectUri(PublicRedirectUri)
                        .WithClientName("PfaAzureDevOps");
                    IPublicClientApplication app = builder.Build();
                    _userCache.Attach(app.UserTokenCache);
                    _public = app;
                }
                catch (ArgumentException ex)
                {
                    throw new PfaException(ErrorIds.InvalidAuthority, PfaErrorKind.InvalidArgument, $"MSAL refused the authority '{_authority}': {ex.Message}", _authority.AbsoluteUri, ex);
                }
            }

            return _public;
        }

        private IConfidentialClientApplication Confidential()
        {
            if (_confidential == null)
            {
                ConfidentialClientApplicationBuilder builder = Configure(ConfidentialClientApplicationBuilder.Create(Registration.ClientId.ToString("D")), _authority, _options)
                    .WithRedirectUri(Registration.CallbackUrl);
                if (_options.ClientCertificate != null)
                {
                    builder = builder.WithCertificate(_options.ClientCertificate, sendX5C: _options.SendCertificateChain);
                }
                else
                {
                    char[] secret = _clientSecret?.Invoke() ?? throw new PfaException(ErrorIds.ClientSecretMissing, PfaErrorKind.InvalidData, "The registered Entra app is a confidential client but its client secret is not available. The administrator should store it again with Set-PfaAzureDevOpsApp -ClientSecret.", Registration.ClientId);
                    try
                    {
                        builder = builder.WithClientSecret(new string(secret));
                    }
                    finally
                    {
                        Array.Clear(secret, 0, secret.Length);
                    }
                }

                IConfidentialClientApplication app = builder.Build();
                _userCache.Attach(app.UserTokenCache);
                _confidential = app;
            }

            return _confidential;
        }

        private static T Configure<T>(T builder, Uri authority, EntraTokenProviderOptions options)
            where T : AbstractApplicationBuilder<T>
        {
            MsalBinding.EnsureOwn();
            if (EntraAuthority.UseInstanceDiscovery(authority, options.InstanceDiscovery))
            {
                builder = builder.WithAuthority(authority.AbsoluteUri);
            }
            else
            {
                builder = builder.WithAuthority(authority.AbsoluteUri, validateAuthority: false).WithInstanceDiscovery(false);
            }

            builder = builder.WithHttpClientFactory(HttpClientFor(options));

            if (options.Verbose != null)
            {
                Action<string> verbose = options.Verbose;
                builder = builder.WithLogging((level, message, pii) => verbose("MSAL: " + message), LogLevel.Warning, enablePiiLogging: false, enableDefaultPlatformLogging: false);
            }

            return builder;
        }

        private EntraContext Context(EntraFlow flow) =>
            new EntraContext(Registration.ClientId.ToString("D"), Registration.TenantId ?? "organizations", _authority.AbsoluteUri, Scopes.ToArray(), flow);

        private EntraToken Convert(AuthenticationResult result, EntraFlow flow)
        {
            var token = new EntraToken(result.AccessToken, result.ExpiresOn, flow)
            {
                FromCache = result.AuthenticationResultMetadata?.TokenSource == TokenSource.Cache,
                TenantId = result.TenantId ?? result.Account?.HomeAccountId?.TenantId,
                ObjectId = result.Account?.HomeAccountId?.ObjectId ?? result.UniqueId,
                Username = result.Account?.Username,
                AccountId = result.Account?.HomeAccountId?.Identifier,
                ClientId = Registration.ClientId.ToString("D"),
                Scopes = result.Scopes?.ToArray() ?? Array.Empty<string>(),
            };
            return token;
        }

        private static EntraToken FromAppResult(AuthenticationResult result, EntraFlow flow)
        {
            var token = new EntraToken(result.AccessToken, result.ExpiresOn, flow)
            {
                FromCache = result.AuthenticationResultMetadata?.TokenSource == TokenSource.Cache,
                TenantId = result.TenantId,
                Scopes = result.Scopes?.ToArray() ?? Array.Empty<string>(),
            };
            JsonElement? claims = SuppliedAccessToken.ReadClaims(result.AccessToken);
            if (claims is JsonElement c)
            {
                token.TenantId = c.TryGetProperty("tid", out JsonElement t) ? t.GetString() : token.TenantId;
                token.ObjectId = c.TryGetProperty("oid", out JsonElement o) ? o.GetString() : null;
                token.ClientId = c.TryGetProperty("appid", out JsonElement a) ? a.GetString() : null;
            }

            return token;
        }

        private static string RandomUrlSafe(int bytes)
        {
            byte[] data = new byte[bytes];
            using (RandomNumberGenerator rng = RandomNumberGenerator.Create())
            {
                rng.GetBytes(data);
            }

            return System.Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        }

        internal static string? QueryValue(Uri url, string name)
        {
            string query = url.Query;
            if (query.StartsWith("?", StringComparison.Ordinal))
            {
                query = query.Substring(1);
            }

            foreach (string pair in query.Split('&'))
            {
                int eq = pair.IndexOf('=');
                string key = Uri.UnescapeDataString((eq < 0 ? pair : pair.Substring(0, eq)).Replace('+', ' '));
                if (string.Equals(key, name, StringComparison.Ordinal))
                {
                    return eq < 0 ? string.Empty : Uri.UnescapeDataString(pair.Substring(eq + 1).Replace('+', ' '));
                }
            }

            return null;
        }

        /// <summary>
        /// The test's HttpClient, or the one bounded client of the process: answers larger than 4 MB are not read (MSAL's
        /// own client would buffer any size, and a huge token would reach its cache), and no call waits more than 30 s.
        /// </summary>
        private static IMsalHttpClientFactory HttpClientFor(EntraTokenProviderOptions options) =>
            options.HttpClientFactory != null ? new HttpClientFactoryAdapter(options.HttpClientFactory) : BoundedHttpClient.Value;

        private static readonly Lazy<IMsalHttpClientFactory> BoundedHttpClient = new Lazy<IMsalHttpClientFactory>(
            () => new HttpClientFactoryAdapter(() => new HttpClient(new HttpClientHandler { UseDefaultCredentials = true })
            {
                MaxResponseContentBufferSize = Rest.HttpCallOptions.DefaultMaxResponseBytes,
                Timeout = TimeSpan.FromSeconds(30),
            }),
            LazyThreadSafetyMode.ExecutionAndPublication);

        /// <summary>Hands MSAL the test's HttpClient (one instance, reused as MSAL expects).</summary>
        private sealed class HttpClientFactoryAdapter : IMsalHttpClientFactory
        {
            private readonly Func<HttpClient> _factory;
            private readonly object _gate = new object();
            private HttpClient? _client;

            public HttpClientFactoryAdapter(Func<HttpClient> factory)
            {
                _factory = factory;
            }

            public HttpClient GetHttpClient()
            {
                lock (_gate)
                {
                    return _client ??= _factory();
                }
            }
        }
    }
}
