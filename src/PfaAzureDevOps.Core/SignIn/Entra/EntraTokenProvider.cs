// EntraTokenProvider in four files: this one (the type, its state and the public-client user flows), .AuthorizationCode.cs
// (the confidential client's authorization code, sign-out, accounts), .AppOnly.cs (service principal, managed identity,
// supplied token) and .Msal.cs (building MSAL clients, silent renewal, result conversion, the bounded HttpClient).
using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Identity.Client;
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
    public sealed partial class EntraTokenProvider
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
            using (var browser = new BrowserWatch())
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token, browser.Failed))
            {
                AcquireTokenInteractiveParameterBuilder builder = app.AcquireTokenInteractive(Scopes)
                    .WithUseEmbeddedWebView(false)
                    .WithPrompt(Prompt.SelectAccount)
                    .WithSystemWebViewOptions(new SystemWebViewOptions
                    {
                        OpenBrowserAsync = url => OpenBrowserAsync(url, browser),
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
                catch (Exception ex) when (browser.Failure != null && !cancellationToken.IsCancellationRequested && (ex is OperationCanceledException || ex is MsalException))
                {
                    throw EntraErrors.New(ErrorIds.EntraBrowserUnavailable, PfaErrorKind.ResourceUnavailable,
                        $"{browser.Failure.Describe()}. Use -UseDeviceCode (sign in from another device's browser), or set $env:BROWSER to a command that opens the URL it is given.",
                        context, null);
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
                finally
                {
                    await browser.StopAsync().ConfigureAwait(false);
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
    }
}
