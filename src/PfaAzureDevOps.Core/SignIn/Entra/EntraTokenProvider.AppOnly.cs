using System;
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
    /// <summary>App-only tokens: service principal, managed identity, and a token the caller supplies.</summary>
    public sealed partial class EntraTokenProvider
    {
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
    }
}
