using System;
using System.Threading;
using System.Threading.Tasks;

namespace PfaAzureDevOps.Core.Connection
{
    /// <summary>
    /// Exchanges a stored refresh token for new tokens (Azure DevOps OAuth: the refresh token rotates, so the old one is
    /// dead once the server answered). <see cref="TokenBroker"/> journals and stores around it; tests give it a fake.
    /// </summary>
    public interface IRefreshTokenClient
    {
        /// <summary>
        /// Called before the journal entry is written: checks what the exchange needs that could fail without the server
        /// (the application is still registered) and does the one-time work (warm-up), so nothing is left to do between
        /// the answer and the write.
        /// </summary>
        void Prepare(ConnectionDocument connection, Action<string>? log);

        /// <summary>The exchange itself; called with no cancellation (a refresh the server made but nobody read would lose the only valid refresh token).</summary>
        Task<RefreshedTokens> RefreshAsync(ConnectionDocument connection, string refreshToken, Action<string>? log, CancellationToken cancellationToken);
    }
}
