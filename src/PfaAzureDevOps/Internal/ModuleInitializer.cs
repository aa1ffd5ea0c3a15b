using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;

namespace PfaAzureDevOps.Internal
{
    /// <summary>
    /// Runs at Import-Module. It only arranges where the engine comes from; it loads nothing heavy.
    /// PowerShell 7: the engine and its dependencies live in a private AssemblyLoadContext
    /// (dependencies/core, net8.0 build). Windows PowerShell 5.1: they resolve by path from
    /// dependencies/netfx (net472 build) through <see cref="NetFrameworkDependencyResolver"/>.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer
    {
        internal const string EngineAssemblyName = "PfaAzureDevOps.Core";
        private static readonly object Gate = new object();
        private static bool _initialized;

        public void OnImport()
        {
            lock (Gate)
            {
                if (_initialized)
                {
                    return;
                }

                string moduleDirectory = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)
                    ?? throw new InvalidOperationException("The PfaAzureDevOps module folder could not be found.");
                string dependencies = Path.Combine(moduleDirectory, "dependencies");

                if (IsNetFramework)
                {
                    NetFrameworkDependencyResolver.Install(moduleDirectory);
                }
                else
                {
                    // Nothing is loaded at import (it stays as cheap as a manifest-only module): the private context
                    // is created when the engine is first needed, by the first failed resolve of its name.
                    string loadContextPath = Path.Combine(dependencies, "PfaAzureDevOps.LoadContext.dll");
                    string core = Path.Combine(dependencies, "core");
                    AppDomain.CurrentDomain.AssemblyResolve += (_, args) => ResolveEngine(args.Name, loadContextPath, core);
                }

                _initialized = true;
            }
        }

        /// <summary>The module folder (where the manifest, the format file and the help live).</summary>
        internal static string ModuleDirectory =>
            Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? string.Empty;

        private static object? _engineContext;

        private static Assembly? ResolveEngine(string? fullName, string loadContextPath, string core)
        {
            if (fullName is null || !string.Equals(new AssemblyName(fullName).Name, EngineAssemblyName, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            object context;
            lock (Gate)
            {
                if (_engineContext is null)
                {
                    // EngineLoadContext.Initialize also hooks the default context, so later resolves never come here.
                    Assembly loadContext = Assembly.LoadFrom(loadContextPath);
                    Type type = loadContext.GetType("PfaAzureDevOps.LoadContext.EngineLoadContext", throwOnError: true)!;
                    _engineContext = type.GetMethod("Initialize", BindingFlags.Public | BindingFlags.Static)!
                        .Invoke(null, new object[] { core, EngineAssemblyName })!;
                }

                context = _engineContext;
            }

            MethodInfo load = context.GetType().GetMethod("LoadFromAssemblyName", new[] { typeof(AssemblyName) })!;
            return (Assembly?)load.Invoke(context, new object[] { new AssemblyName(fullName) });
        }

        internal static bool IsNetFramework =>
            System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);
    }
}
