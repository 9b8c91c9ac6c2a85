/** dl4j-arm-layers */
package org.armfer.layers;
