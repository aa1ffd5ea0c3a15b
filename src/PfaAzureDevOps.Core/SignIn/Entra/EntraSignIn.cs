using System.Linq;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Registration;

namespace PfaAzureDevOps.Core.SignIn.Entra
{
    /// <summary>What every Entra ID provider does first: checks the organization URL and says which application signs in.</summary>
    internal static class EntraSignIn
    {
        public static void Describe(SignInContext context, ISignInUser user)
        {
            AppRegistration registration = context.RequireRegistration();
            ConnectOptions options = context.Request.Options;
            AzureDevOpsUrls.Organization(options.Organization, options.OrganizationUrl, registration.AuthorizationServer);
            bool confidential = EntraClient.IsConfidential(registration);
            user.Verbose($"Microsoft Entra ID application {registration.ClientId} ({context.RequireRegistrations().Store.Scope}, {(confidential ? "confidential" : "public")} client); authority {EntraAuthority.For(registration)}; scopes {string.Join(" ", registration.Scopes.ToArray())}.");
        }

        public static EntraConnectRequest NewRequest(SignInContext context, ISignInUser user, EntraFlow flow) =>
            new EntraConnectRequest { Flow = flow, Options = context.Request.Options, Log = user.Verbose };
    }
}
