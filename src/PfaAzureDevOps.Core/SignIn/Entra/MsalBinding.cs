using System;
using System.Linq;
using System.Reflection;
using Microsoft.Identity.Client;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.SignIn.Entra
{
    /// <summary>
    /// Which MSAL the engine runs. In Windows PowerShell 5.1 another module (Az.Accounts, Microsoft.Graph, ...) may have
    /// loaded its own Microsoft.Identity.Client into the one AppDomain first. The module's decision: it uses its own copy,
    /// side by side (strong-named assemblies of different versions coexist in .NET Framework, and dependencies/netfx answers
    /// the engine's request for exactly the version it was built against). If the runtime nevertheless handed the engine
    /// another version (a host or loader that binds loosely, as Mono does), it refuses with MsalVersionConflict before any
    /// sign-in, instead of running untested code against someone else's MSAL.
    /// </summary>
    internal static class MsalBinding
    {

        private static readonly Lazy<Version?> Expected = new Lazy<Version?>(() =>
            typeof(MsalBinding).Assembly.GetReferencedAssemblies().FirstOrDefault(n => n.Name == "Microsoft.Identity.Client")?.Version);

        /// <summary>Throws MsalVersionConflict unless the MSAL bound to the engine is the one it was built against.</summary>
        public static void EnsureOwn() => Verify(typeof(IPublicClientApplication).Assembly.GetName(), SafeLocation(typeof(IPublicClientApplication).Assembly), Expected.Value);

        internal static void Verify(AssemblyName bound, string location, Version? expected)
        {
            if (expected == null || bound.Version == expected)
            {
                return;
            }

            throw new PfaException(
                ErrorIds.MsalVersionConflict,
                PfaErrorKind.ResourceUnavailable,
                $"Another module's MSAL (Microsoft.Identity.Client {bound.Version}, from '{location}') is loaded in this PowerShell session where PfaAzureDevOps expects its own {expected}. "
                + "Start a new PowerShell session and run the PfaAzureDevOps command there before the module that loaded the other copy (for example Az.Accounts), or run it in a separate process: powershell -NoProfile -Command \"...\".",
                bound.FullName)
            {
                RecommendedAction = "Start a new PowerShell session and run the PfaAzureDevOps command before importing the module that loads another MSAL.",
            };
        }

        private static string SafeLocation(Assembly assembly)
        {
            try
            {
                return assembly.Location;
            }
            catch (NotSupportedException)
            {
                return "(in memory)";
            }
        }
    }
}
