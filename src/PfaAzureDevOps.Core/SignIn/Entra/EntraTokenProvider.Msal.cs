using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text.Json;
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
    /// <summary>MSAL plumbing: the public and confidential clients, silent renewal, results to EntraToken, the bounded HttpClient.</summary>
    public sealed partial class EntraTokenProvider
    {
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

        /// <summary>
        /// MSAL's browser hook. It returns as soon as the browser is started: MSAL starts its loopback listener only after
        /// this returns, and a browser with a session (SSO) may be redirected within a second. A browser command that ends
        /// at once with a non-zero exit code is noticed in the background (<paramref name="watch"/>), which cancels MSAL's
        /// wait so the sign-in fails now, saying why, instead of waiting out the timeout.
        /// </summary>
        private async Task OpenBrowserAsync(Uri url, BrowserWatch watch)
        {
            _options.BrowserOpening?.Invoke(url);
            if (_options.OpenBrowser != null)
            {
                await _options.OpenBrowser(url).ConfigureAwait(false);
                return;
            }

            OpenedBrowser? browser = BrowserLauncher.Open(url);
            if (browser is null)
            {
                throw EntraErrors.New(ErrorIds.EntraBrowserUnavailable, PfaErrorKind.ResourceUnavailable,
                    "No web browser could be started for the sign-in. Use -UseDeviceCode (sign in from another device's browser), or set $env:BROWSER to a browser command.",
                    Context(EntraFlow.Interactive), null);
            }

            watch.Watch(browser);
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
