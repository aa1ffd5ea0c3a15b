using System;
using System.IO;
using System.Security.AccessControl;
using System.Security.Principal;

namespace PfaAzureDevOps.Core.Platform
{
    /// <summary>
    /// Windows only: a new file readable and writable by the current user alone, created with that ACL in place (never
    /// widened after the fact). The descriptor is built as SDDL (<see cref="Sddl"/>, unit-tested everywhere); only
    /// <see cref="CreateNew"/> touches the operating system (the current user's SID, the ACL'd CreateFile).
    /// </summary>
    internal static class WindowsOwnerOnlyFile
    {
        /// <summary>
        /// Owner = the user; DACL protected (nothing inherited from the folder) with one entry: the user, full control
        /// (FA = FileSystemRights.FullControl, 0x1F01FF). No group, no Administrators, no SYSTEM entry.
        /// </summary>
        public static string Sddl(string userSid)
        {
            if (string.IsNullOrEmpty(userSid) || !userSid.StartsWith("S-1-", StringComparison.Ordinal) || userSid.IndexOfAny(new[] { '(', ')', ';', ':' }) >= 0)
            {
                throw new ArgumentException("A security identifier (S-1-...) is required.", nameof(userSid));
            }

            return "O:" + userSid + "D:P(A;;FA;;;" + userSid + ")";
        }

#if NET
        [System.Runtime.Versioning.SupportedOSPlatform("windows")]
#endif
        public static FileSecurity Security()
        {
            var security = new FileSecurity();
            using (WindowsIdentity identity = WindowsIdentity.GetCurrent())
            {
                security.SetSecurityDescriptorSddlForm(Sddl(identity.User!.Value));
            }

            return security;
        }

        /// <summary>Creates <paramref name="path"/> (it must not exist) with the owner-only ACL, open for writing.</summary>
#if NET
        [System.Runtime.Versioning.SupportedOSPlatform("windows")]
#endif
        public static FileStream CreateNew(string path) =>
            FileSystemAclExtensions.Create(new FileInfo(path), FileMode.CreateNew, FileSystemRights.Write | FileSystemRights.Read | FileSystemRights.Delete, FileShare.None, 4096, FileOptions.None, Security());
    }
}
