using System;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Registration;

namespace PfaAzureDevOps.Core.SignIn.Entra
{
    /// <summary>
    /// Renews an Entra ID connection for <see cref="TokenBroker"/> (under the connection lock): a supplied token is
    /// handed back until it expires; a service principal or managed identity asks Entra again; a user's token comes
    /// silently from MSAL's cache. The renewed access token is saved as the connection's next generation.
    /// </summary>
    internal sealed class EntraRenewal : ITokenRenewal
    {
        private readonly UserConnection _service;

        public EntraRenewal(UserConnection service)
        {
            _service = service;
        }

        /// <summary>A fresh access token for an Entra ID connection (called under the connection lock).</summary>
        public async Task<AccessTokenResult> RenewAsync(ConnectionDocument document, bool forceRefresh, Action<string>? log, CancellationToken cancellationToken)
        {
            EntraFlow flow = EntraSignIn.ParseFlow(document.Flow);
            EntraToken token;
            switch (flow)
            {
                case EntraFlow.AccessToken:
                    {
                        string? stored = _service.Storage.ReadSecret(document, document.AccessTokenSecret);
                        if (stored != null && document.AccessTokenExpiresOn > DateTimeOffset.UtcNow)
                        {
                            return new AccessTokenResult(stored, document.AccessTokenExpiresOn, refreshed: false);
                        }

                        throw new PfaException(ErrorIds.EntraAccessTokenExpired, PfaErrorKind.InvalidOperation, $"The access token given to Connect-PfaAzureDevOps -AccessToken expired at {document.AccessTokenExpiresOn:u} and cannot be renewed here. Supply a new one: Connect-PfaAzureDevOps -AccessToken <token> (in Azure Pipelines: $(System.AccessToken)).", _service.DocumentPath);
                    }

                case EntraFlow.ServicePrincipal:
                    {
                        RegistrationService registrations = RegistrationLookup.For(document, out AppRegistration registration, allowOtherClient: true);
                        char[]? secret = document.ServicePrincipalSecret != null ? _service.Storage.ReadSecret(document, document.ServicePrincipalSecret)?.ToCharArray() : null;
                        if (secret == null && document.CertificatePath == null && document.CertificateThumbprint == null)
                        {
                            throw new PfaException(ErrorIds.ConnectionTokensMissing, PfaErrorKind.InvalidData, "The service principal's secret is missing from the store. Run Connect-PfaAzureDevOps -ServicePrincipal again.", _service.DocumentPath);
                        }

                        try
                        {
                            ServicePrincipalCredential credential = EntraSignIn.Credential(document.ClientId, document.TenantId!, secret, document.CertificateThumbprint, document.CertificatePath);
                            token = await EntraTokenProvider.AcquireForServicePrincipalAsync(credential, registration.AuthorizationServer, _service.Store, EntraSignIn.Options(log), forceRefresh, cancellationToken).ConfigureAwait(false);
                        }
                        finally
                        {
                            if (secret != null)
                            {
                                Array.Clear(secret, 0, secret.Length);
                            }
                        }

                        break;
                    }

                case EntraFlow.ManagedIdentity:
                    token = await EntraTokenProvider.AcquireForManagedIdentityAsync(document.ManagedIdentityClientId, EntraSignIn.Options(log), cancellationToken).ConfigureAwait(false);
                    break;

                default:
                    {
                        RegistrationService registrations = RegistrationLookup.For(document, out AppRegistration registration);
                        EntraTokenProvider provider = EntraSignIn.TokenProvider(registrations, registration, log);
                        log?.Invoke("Renewing the Microsoft Entra ID token silently from MSAL's cache.");
                        EntraToken? silent = await provider.TryAcquireSilentAsync(document.EntraAccount, forceRefresh, cancellationToken).ConfigureAwait(false);
                        token = silent ?? throw new EntraSignInException(ErrorIds.EntraNotSignedIn, PfaErrorKind.InvalidOperation, "MSAL's token cache holds no sign-in for this connection (it was cleared, or saved by another account). Run Connect-PfaAzureDevOps to sign in again.", _service.DocumentPath);
                        break;
                    }
            }

            ConnectionDocument next = ConnectionStore.Clone(document);
            next.Generation = document.Generation + 1;
            next.RefreshedOn = DateTimeOffset.UtcNow;
            next.AccessTokenExpiresOn = token.ExpiresOn ?? DateTimeOffset.UtcNow.AddHours(1);
            _service.Storage.SaveRenewedAccessToken(next, token.AccessToken);
            log?.Invoke($"Renewed ({flow}); the new access token expires at {next.AccessTokenExpiresOn:u}.");
            return new AccessTokenResult(token.AccessToken, next.AccessTokenExpiresOn, refreshed: true);
        }
    }
}
