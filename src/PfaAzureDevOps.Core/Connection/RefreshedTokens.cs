using System;

namespace PfaAzureDevOps.Core.Connection
{
    /// <summary>What a refresh-token exchange returned: the new access token and the rotated refresh token. Never printed.</summary>
    public sealed class RefreshedTokens
    {
        public RefreshedTokens(string accessToken, string refreshToken, DateTimeOffset expiresOn)
        {
            AccessToken = accessToken ?? throw new ArgumentNullException(nameof(accessToken));
            RefreshToken = refreshToken ?? throw new ArgumentNullException(nameof(refreshToken));
            ExpiresOn = expiresOn;
        }

        public string AccessToken { get; }

        public string RefreshToken { get; }

        public DateTimeOffset ExpiresOn { get; }

        public override string ToString() => $"refreshed tokens (expire {ExpiresOn:u})";
    }
}
