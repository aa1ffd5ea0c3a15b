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
            string? identityClientId = context.Request.ClientId?.ToString("D");
            if (!user.Confirm(context.Target, "Connect as the managed identity"))
            {
                return null;
            }

            var recorder = new EntraConnectionRecorder(context, user.Verbose);
            ConnectionDocument document = recorder.NewDocument(EntraFlow.ManagedIdentity);
            document.ManagedIdentityClientId = identityClientId;
            EntraToken token = await EntraTokenProvider.AcquireForManagedIdentityAsync(identityClientId, EntraSignIn.Options(user.Verbose), cancellationToken).ConfigureAwait(false);
            return await recorder.RecordAsync(document, token, cancellationToken).ConfigureAwait(false);
        }
    }
}
