using System;
using System.Runtime.InteropServices;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Storage
{
    /// <summary>Whether this process may write the machine-wide (AllUsers) state.</summary>
    public static class Elevation
    {
        /// <summary>Test seam: tests of the refusal path set this; null means ask the operating system.</summary>
        internal static Func<bool>? Override { get; set; }

        public static bool IsElevated()
        {
            if (Override != null)
            {
                return Override();
            }
#if NET
            return Environment.IsPrivilegedProcess;
#else
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                using (var identity = System.Security.Principal.WindowsIdentity.GetCurrent())
                {
                    return new System.Security.Principal.WindowsPrincipal(identity).IsInRole(System.Security.Principal.WindowsBuiltInRole.Administrator);
                }
            }

            return string.Equals(Environment.UserName, "root", StringComparison.Ordinal);
#endif
        }

        public static void RequireForWrite(StateScope scope, string what)
        {
            if (scope == StateScope.AllUsers && !IsElevated())
            {
                throw new PfaException(
                    ErrorIds.ElevationRequired,
                    PfaErrorKind.PermissionDenied,
                    $"Changing {what} for all users (-Scope AllUsers) is the instance administrator's task: run PowerShell as administrator (Windows) or as root (sudo pwsh), or use -Scope CurrentUser.",
                    scope.ToString());
            }
        }
    }
}
