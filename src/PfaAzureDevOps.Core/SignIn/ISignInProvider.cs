using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Connection;

namespace PfaAzureDevOps.Core.SignIn
{
    /// <summary>
    /// One way of signing in (Azure DevOps OAuth, Entra user, service principal, managed identity, supplied token).
    /// <see cref="SignInService"/> asks each provider of its chain in turn, as Az.Accounts' authenticators are chained,
    /// and runs the first that can sign in. A provider that can run on the Azure DevOps OAuth path (any provider in the
    /// chain: all are constructed) keeps MSAL types out of its fields and signatures, so MSAL loads only for Entra.
    /// </summary>
    public interface ISignInProvider
    {
        /// <summary>A short name for verbose output and tests.</summary>
        string Name { get; }

        /// <summary>Whether this provider handles the request with this registration (null: none registered).</summary>
        bool CanSignIn(SignInContext context);

        /// <summary>Signs in and records the connection; null when nothing was recorded (declined, -WhatIf, or a link printed for the paste path).</summary>
        Task<ConnectionDocument?> SignInAsync(SignInContext context, ISignInUser user, CancellationToken cancellationToken);
    }
}
