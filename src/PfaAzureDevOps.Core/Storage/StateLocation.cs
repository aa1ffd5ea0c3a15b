using System;
using System.IO;
using System.Runtime.InteropServices;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Storage
{
    /// <summary>
    /// Where each scope keeps its files. One environment variable, <see cref="HomeVariable"/>, relocates all of it
    /// (both scopes below it), for tests and portable use.
    /// </summary>
    public static class StateLocation
    {
        public const string HomeVariable = "PFA_AZUREDEVOPS_HOME";

        /// <summary>Relocates the AllUsers scope only (it wins over <see cref="HomeVariable"/>): several OS users of one test machine share it.</summary>
        public const string AllUsersVariable = "PFA_AZUREDEVOPS_ALLUSERS_HOME";

        public static string GetRoot(StateScope scope)
        {
            string? allUsers = scope == StateScope.AllUsers ? Environment.GetEnvironmentVariable(AllUsersVariable) : null;
            if (!string.IsNullOrWhiteSpace(allUsers))
            {
                return Path.GetFullPath(allUsers);
            }

            string? home = Environment.GetEnvironmentVariable(HomeVariable);
            if (!string.IsNullOrWhiteSpace(home))
            {
                // A relative folder would follow whatever the process's current folder is (not PowerShell's location),
                // so the same session would read and write different stores: only an absolute path is taken.
                if (!Path.IsPathRooted(home) || (RuntimeInformation.IsOSPlatform(OSPlatform.Windows) && home!.Length >= 2 && home[1] != ':' && !home.StartsWith(@"\\", StringComparison.Ordinal)))
                {
                    throw new PfaException(
                        ErrorIds.StateHomeNotAbsolute,
                        PfaErrorKind.InvalidArgument,
                        $"{HomeVariable} is set to '{home}', which is not an absolute path. Set it to a full path, for example $env:{HomeVariable} = (Resolve-Path ./state).Path, or remove it to use the default location.",
                        home);
                }

                return Path.Combine(Path.GetFullPath(home), scope == StateScope.AllUsers ? "AllUsers" : "CurrentUser");
            }

            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                return scope == StateScope.AllUsers
                    ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "PfaAzureDevOps")
                    : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "PfaAzureDevOps");
            }

            if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
            {
                return scope == StateScope.AllUsers
                    ? "/Library/Application Support/PfaAzureDevOps"
                    : Path.Combine(UserHome(), "Library", "Application Support", "PfaAzureDevOps");
            }

            if (scope == StateScope.AllUsers)
            {
                return "/var/lib/pfa-azuredevops";
            }

            string? dataHome = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
            return string.IsNullOrWhiteSpace(dataHome)
                ? Path.Combine(UserHome(), ".local", "share", "pfa-azuredevops")
                : Path.Combine(dataHome, "pfa-azuredevops");
        }

        private static string UserHome()
        {
            string? home = Environment.GetEnvironmentVariable("HOME");
            return string.IsNullOrEmpty(home) ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) : home!;
        }
    }
}
