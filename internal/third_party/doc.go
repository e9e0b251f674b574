// Package thirdparty links nothing into the gateway. Its directory holds
// patched copies of dependencies, each its own module that go.mod's replace
// directives point to, and its tests hold each copy to the version the rest
// of the module graph asks for, so that a dependency's upgrade cannot
// silently run against an old copy.
package thirdparty
