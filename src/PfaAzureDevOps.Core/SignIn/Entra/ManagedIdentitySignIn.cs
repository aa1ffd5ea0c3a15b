using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Connection;

namespace PfaAzureDevOps.Core.SignIn.Entra
{
    /// <summary>An Azure managed identity (system-assigned, or user-assigned by its client ID).</summary>
    public sealed class ManagedIdentitySignIn : ISignInProvider
    {
        public string Name => "Microsoft Entra ID (managed identity)";

        public bool CanSignIn(SignInContext context) => context.IsEntra && context.Request.Method == SignInMethod.ManagedIdentity;

        public async Task<ConnectionDocument?> SignInAsync(SignInContext context, ISignInUser user, CancellationToken cancellationToken)
        {
            EntraSignIn.Describe(context, user);
            EntraConnectRequest connect = EntraSignIn.NewRequest(context, user, EntraFlow.ManagedIdentity);
            connect.ManagedIdentityClientId = context.Request.ClientId?.ToString("D");
            if (!user.Confirm(context.Target, "Connect as the managed identity"))
            {
                return null;
            }

            return await EntraConnector.ConnectAsync(context.Connections, context.RequireRegistrations(), context.RequireRegistration(), connect, cancellationToken).ConfigureAwait(false);
        }
    }
}
