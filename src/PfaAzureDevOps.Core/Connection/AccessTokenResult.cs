using System;

namespace PfaAzureDevOps.Core.Connection
{
    /// <summary>An access token handed to a caller, with its expiry. Never printed.</summary>
    public sealed class AccessTokenResult
    {
        public AccessTokenResult(string token, DateTimeOffset expiresOn, bool refreshed)
        {
            Token = token;
            ExpiresOn = expiresOn;
            Refreshed = refreshed;
        }

        public string Token { get; }

        public DateTimeOffset ExpiresOn { get; }

        public bool Refreshed { get; }

        public override string ToString() => $"access token (expires {ExpiresOn:u})";
    }
}
