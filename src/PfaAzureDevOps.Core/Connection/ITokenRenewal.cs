using System;
using System.Threading;
using System.Threading.Tasks;

namespace PfaAzureDevOps.Core.Connection
{
    /// <summary>
    /// Renews a connection whose refresh token is not ours to store (Microsoft Entra ID: MSAL keeps it in its own cache;
    /// a service principal or managed identity asks again). Called by <see cref="TokenBroker"/> under the connection
    /// lock; saves the renewed access token through the <see cref="ConnectionStore"/>.
    /// </summary>
    public interface ITokenRenewal
    {
        Task<AccessTokenResult> RenewAsync(ConnectionDocument connection, bool forceRefresh, Action<string>? log, CancellationToken cancellationToken);
    }
}
