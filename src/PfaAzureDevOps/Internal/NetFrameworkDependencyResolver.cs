using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;

namespace PfaAzureDevOps.Internal
{
    /// <summary>
    /// Windows PowerShell 5.1 (.NET Framework) has no load contexts and applies no binding redirects to modules, so the
    /// engine and its dependencies come from dependencies/netfx through this AppDomain.AssemblyResolve handler.
    /// It answers only for assemblies shipped in that folder, only when the shipped version is at least the one asked for
    /// (the folder's System.Memory 4.0.2.0 serves a request for 4.0.1.1; never the other way round) and the public key
    /// token matches, and, except for the engine itself, only for requests made by this module's own assemblies (or with no
    /// known requester), so it never hands our copies of shared dependencies to another module. It touches no PowerShell type: the .NET Framework tests install it as is.
    /// </summary>
    internal static class NetFrameworkDependencyResolver
    {
        private static readonly object Gate = new object();
        private static readonly Dictionary<string, AssemblyName?> ShippedNames = new Dictionary<string, AssemblyName?>(StringComparer.OrdinalIgnoreCase);
        private static string? _moduleDirectory;
        private static string? _folder;

        /// <summary>The folder the handler serves, once installed.</summary>
        internal static string? Folder => _folder;

        /// <summary>Installs the handler once per process (hooks are process-wide; a second import changes nothing).</summary>
        internal static void Install(string moduleDirectory)
        {
            lock (Gate)
            {
                if (_folder != null)
                {
                    return;
                }

                _moduleDirectory = Path.GetFullPath(moduleDirectory);
                _folder = Path.Combine(_moduleDirectory, "dependencies", "netfx");
                AppDomain.CurrentDomain.AssemblyResolve += OnAssemblyResolve;
            }
        }

        private static Assembly? OnAssemblyResolve(object? sender, ResolveEventArgs args)
        {
            string? folder = _folder;
            string? module = _moduleDirectory;
            if (folder == null || module == null)
            {
                return null;
            }

            string? requester = null;
            try
            {
                requester = args.RequestingAssembly?.Location;
            }
            catch (NotSupportedException)
            {
                // A dynamic assembly: it has no location, so it is not ours.
                requester = string.Empty;
            }

            string? path = Choose(folder, module, args.Name, requester, ShippedName);
            return path == null ? null : Assembly.LoadFrom(path);
        }

        /// <summary>
        /// The file to hand out for <paramref name="requestedName"/>, or null to decline. <paramref name="requesterLocation"/>
        /// is the requesting assembly's path (null when the runtime does not say, empty for a dynamic assembly).
        /// </summary>
        internal static string? Choose(string folder, string moduleDirectory, string requestedName, string? requesterLocation, Func<string, AssemblyName?> shippedName)
        {
            AssemblyName requested;
            try
            {
                requested = new AssemblyName(requestedName);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is FileLoadException)
            {
                return null;
            }

            if (string.IsNullOrEmpty(requested.Name) || requested.Name!.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || requested.Name.Contains(".."))
            {
                return null;
            }

            // The engine is ours alone: whoever asks for it gets it. Its dependencies go only to our own assemblies.
            bool engine = string.Equals(requested.Name, ModuleInitializer.EngineAssemblyName, StringComparison.OrdinalIgnoreCase);
            if (!engine && requesterLocation != null && !IsWithin(requesterLocation, moduleDirectory))
            {
                return null;
            }

            string candidate = Path.Combine(folder, requested.Name + ".dll");
            AssemblyName? shipped = shippedName(candidate);
            return shipped != null && Serves(requested, shipped) ? candidate : null;
        }

        /// <summary>
        /// The version rule: same simple name, the shipped version at least the requested one, the same public key token
        /// when the request names one (a strong-named request is never served by a differently signed file).
        /// </summary>
        internal static bool Serves(AssemblyName requested, AssemblyName shipped)
        {
            if (!string.Equals(requested.Name, shipped.Name, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            if (requested.Version != null && (shipped.Version == null || shipped.Version < requested.Version))
            {
                return false;
            }

            byte[]? requestedToken = requested.GetPublicKeyToken();
            if (requestedToken != null && requestedToken.Length > 0)
            {
                byte[]? shippedToken = shipped.GetPublicKeyToken();
                if (shippedToken == null || shippedToken.Length != requestedToken.Length)
                {
                    return false;
                }

                for (int i = 0; i < requestedToken.Length; i++)
                {
                    if (requestedToken[i] != shippedToken[i])
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        private static bool IsWithin(string path, string directory)
        {
            if (path.Length == 0)
            {
                return false;
            }

            string full = Path.GetFullPath(path);
            string prefix = directory.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) ? directory : directory + Path.DirectorySeparatorChar;
            return full.StartsWith(prefix, StringComparison.OrdinalIgnoreCase);
        }

        private static AssemblyName? ShippedName(string path)
        {
            lock (Gate)
            {
                if (!ShippedNames.TryGetValue(path, out AssemblyName? name))
                {
                    try
                    {
                        name = File.Exists(path) ? AssemblyName.GetAssemblyName(path) : null;
                    }
                    catch (Exception ex) when (ex is IOException || ex is BadImageFormatException || ex is UnauthorizedAccessException)
                    {
                        name = null;
                    }

                    ShippedNames[path] = name;
                }

                return name;
            }
        }
    }
}
