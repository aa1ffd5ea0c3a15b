using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.SignIn.Entra
{
    /// <summary>A Microsoft Entra ID service principal: a client secret, or a certificate (thumbprint in the user's store, or a file).</summary>
    public sealed class ServicePrincipalSignIn : ISignInProvider
    {
        public string Name => "Microsoft Entra ID (service principal)";

        public bool CanSignIn(SignInContext context) => context.IsEntra && context.Request.Method == SignInMethod.ServicePrincipal;

        public async Task<ConnectionDocument?> SignInAsync(SignInContext context, ISignInUser user, CancellationToken cancellationToken)
        {
            EntraSignIn.Describe(context, user);
            SignInRequest request = context.Request;
            EntraConnectRequest connect = EntraSignIn.NewRequest(context, user, EntraFlow.ServicePrincipal);
            connect.ClientId = request.ClientId;
            connect.TenantId = request.TenantId;
            if (request.ClientSecret != null)
            {
                connect.ClientSecret = request.ClientSecret;
            }
            else if (string.IsNullOrEmpty(request.CertificateThumbprint) == string.IsNullOrEmpty(request.CertificatePath))
            {
                throw new PfaException(ErrorIds.CertificateRequired, PfaErrorKind.InvalidArgument, "A service principal with a certificate needs exactly one of -CertificateThumbprint (CurrentUser\\My store) or -CertificatePath (.pfx, or PEM with its private key).", "CertificatePath");
            }
            else
            {
                connect.CertificateThumbprint = string.IsNullOrEmpty(request.CertificateThumbprint) ? null : request.CertificateThumbprint;
                connect.CertificatePath = string.IsNullOrEmpty(request.CertificatePath) ? null : request.CertificatePath;
            }

            if (!user.Confirm(context.Target, "Connect as a service principal"))
            {
                return null;
            }

            return await EntraConnector.ConnectAsync(context.Connections, context.RequireRegistrations(), context.RequireRegistration(), connect, cancellationToken).ConfigureAwait(false);
        }
    }
}
