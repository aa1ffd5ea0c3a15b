using System;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Connection;

namespace PfaAzureDevOps.Core.Tests.Connection
{
    /// <summary>
    /// An Azure DevOps OAuth token endpoint in memory: refresh tokens rotate (the one used is dead afterwards, as the
    /// real service does), every exchange is counted, and it can be slowed down or made to refuse.
    /// </summary>
    internal sealed class FakeTokenServer : IRefreshTokenClient
    {
        private readonly object _gate = new object();
        private int _generation;
        private int _exchanges;
        private int _concurrent;

        public FakeTokenServer(string firstRefreshToken)
        {
            ValidRefreshToken = firstRefreshToken;
        }

        /// <summary>The only refresh token the server accepts now.</summary>
        public string ValidRefreshToken { get; private set; }

        public int Exchanges => Volatile.Read(ref _exchanges);

        /// <summary>The most exchanges that ran at the same time (more than 1: the broker let two refreshes race).</summary>
        public int MostConcurrent { get; private set; }

        public TimeSpan Delay { get; set; }

        public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(1);

        /// <summary>Refuses the next exchanges (invalid_grant) without rotating.</summary>
        public bool Refuse { get; set; }

        public int Prepared { get; private set; }

        /// <summary>Rotates as if a refresh happened that nobody here read (the answer was lost): returns the token issued.</summary>
        public string RotateBehindTheBrokersBack()
        {
            lock (_gate)
            {
                _generation++;
                ValidRefreshToken = "refresh-" + _generation;
                return ValidRefreshToken;
            }
        }

        public void Prepare(ConnectionDocument connection, Action<string>? log) => Prepared++;

        public async Task<RefreshedTokens> RefreshAsync(ConnectionDocument connection, string refreshToken, Action<string>? log, CancellationToken cancellationToken)
        {
            int running = Interlocked.Increment(ref _concurrent);
            try
            {
                lock (_gate)
                {
                    MostConcurrent = Math.Max(MostConcurrent, running);
                }

                Interlocked.Increment(ref _exchanges);
                if (Delay > TimeSpan.Zero)
                {
                    await Task.Delay(Delay, cancellationToken).ConfigureAwait(false);
                }

                lock (_gate)
                {
                    if (Refuse || refreshToken != ValidRefreshToken)
                    {
                        throw new PfaException("OAuthRefreshFailed", PfaErrorKind.Authentication, "invalid_grant: the refresh token is not valid (fake server).", "refresh");
                    }

                    _generation++;
                    ValidRefreshToken = "refresh-" + _generation;
                    return new RefreshedTokens("access-" + _generation, ValidRefreshToken, DateTimeOffset.UtcNow + Lifetime);
                }
            }
            finally
            {
                Interlocked.Decrement(ref _concurrent);
            }
        }
    }
}
