using System;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Registration;

namespace PfaAzureDevOps.Core.SignIn.AzureDevOpsOAuth
{
    /// <summary>The Azure DevOps OAuth refresh-token exchange for <see cref="TokenBroker"/>, with the registered application's client secret.</summary>
    public sealed class AzureDevOpsOAuthRefresh : IRefreshTokenClient
    {
        private static readonly byte[] WarmUpAnswer = Encoding.UTF8.GetBytes("{\"access_token\":\"a\",\"token_type\":\"jwt-bearer\",\"expires_in\":\"3599\",\"refresh_token\":\"r\",\"scope\":\"vso.code_write\"}");
        private readonly Func<OAuthTokenClient> _client;

        public AzureDevOpsOAuthRefresh(Func<OAuthTokenClient> client)
        {
            _client = client ?? throw new ArgumentNullException(nameof(client));
        }

        public void Prepare(ConnectionDocument connection, Action<string>? log)
        {
            RegistrationLookup.For(connection, out _);

            // Run the answer's parsing once now, so none of it is compiled between the rotation and the write.
            OAuthTokenClient.Parse(WarmUpAnswer, OAuthTokenClient.TokenEndpoint(new Uri(connection.AuthorizationServer)), DateTimeOffset.UtcNow);
        }

        public async Task<RefreshedTokens> RefreshAsync(ConnectionDocument connection, string refreshToken, Action<string>? log, CancellationToken cancellationToken)
        {
            RegistrationService registrations = RegistrationLookup.For(connection, out AppRegistration registration);
            char[] secret = registrations.ReadClientSecret(registration) ?? throw ClientSecretMissing(registrations);
            try
            {
                var server = new Uri(connection.AuthorizationServer);
                log?.Invoke($"Refreshing the access token at {OAuthTokenClient.TokenEndpoint(server)}.");
                TokenResponse tokens = await _client().RefreshAsync(server, secret, refreshToken, new Uri(connection.CallbackUrl), cancellationToken).ConfigureAwait(false);
                return new RefreshedTokens(tokens.AccessToken, tokens.RefreshToken, tokens.ExpiresOn);
            }
            finally
            {
                Array.Clear(secret, 0, secret.Length);
            }
        }

        public static PfaException ClientSecretMissing(RegistrationService registrations) => new PfaException(
            ErrorIds.ClientSecretMissing,
            PfaErrorKind.InvalidData,
            "The registered Azure DevOps application has no client secret. The administrator stores it with Set-PfaAzureDevOpsApp -ClientSecret.",
            registrations.DocumentPath);
    }
}
